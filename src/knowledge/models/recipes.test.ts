import { describe, expect, it } from '@jest/globals';
import {
  embeddingInput,
  MODEL_RECIPES,
  NLLB_LANG_CODES,
  onnxFile,
  recipeFor,
  translationCode,
  UnsupportedModelError,
} from './recipes.js';

describe('model recipes', () => {
  it('prefixes e5 inputs with "query: " and "passage: "', () => {
    const e5 = recipeFor('Xenova/multilingual-e5-small', 'embedding');
    expect(embeddingInput(e5, 'query', 'bei ya mbolea')).toBe('query: bei ya mbolea');
    expect(embeddingInput(e5, 'passage', 'Mbolea ya DAP')).toBe('passage: Mbolea ya DAP');
    expect(e5).toMatchObject({ dims: 384, pooling: 'mean', normalize: true });
  });

  it('leaves paraphrase-multilingual MiniLM inputs unprefixed', () => {
    const mini = recipeFor('Xenova/paraphrase-multilingual-MiniLM-L12-v2', 'embedding');
    expect(embeddingInput(mini, 'query', 'maize price')).toBe('maize price');
    expect(embeddingInput(mini, 'passage', 'maize price')).toBe('maize price');
    expect(mini).toMatchObject({ dims: 384, pooling: 'mean', normalize: true });
  });

  it('maps our language codes to FLORES codes for NLLB and ISO codes for M2M100', () => {
    const nllb = recipeFor('Xenova/nllb-200-distilled-600M', 'translation');
    expect(['en', 'sw', 'fr', 'ha', 'yo', 'am'].map((l) => translationCode(nllb, l))).toEqual([
      'eng_Latn',
      'swh_Latn',
      'fra_Latn',
      'hau_Latn',
      'yor_Latn',
      'amh_Ethi',
    ]);
    expect(translationCode(nllb, 'sw-KE')).toBe('swh_Latn');
    expect(translationCode(nllb, 'xx')).toBeUndefined();
    expect(translationCode(nllb, 'constructor')).toBeUndefined();
    const m2m = recipeFor('Xenova/m2m100_418M', 'translation');
    expect(translationCode(m2m, 'sw')).toBe('sw');
    expect(translationCode(m2m, 'am')).toBe('am');
    expect(Object.keys(NLLB_LANG_CODES)).toEqual(['en', 'sw', 'fr', 'ha', 'yo', 'am']);
  });

  it('refuses unknown ids, naming the supported ones', () => {
    expect(() => recipeFor('someone/unknown-model')).toThrow(UnsupportedModelError);
    expect(() => recipeFor('someone/unknown-model', 'embedding')).toThrow(/supported: Xenova\/multilingual-e5-small/);
  });

  it('refuses a model used for the wrong task', () => {
    expect(() => recipeFor('Xenova/nllb-200-distilled-600M', 'embedding')).toThrow(
      /is a translation model and cannot be used for embedding/,
    );
  });

  it('lists the ONNX files transformers.js loads for each dtype', () => {
    expect(onnxFile('model', 'fp32')).toBe('onnx/model.onnx');
    expect(onnxFile('model', 'q8')).toBe('onnx/model_quantized.onnx');
    expect(onnxFile('decoder_model_merged', 'q4')).toBe('onnx/decoder_model_merged_q4.onnx');
    for (const r of MODEL_RECIPES) {
      expect(r.files).toContain('config.json');
      expect(r.files.some((f) => f.startsWith('onnx/') && f.endsWith('.onnx'))).toBe(true);
      if (r.task !== 'embedding') expect(r.files).toContain('generation_config.json');
    }
    expect(new Set(MODEL_RECIPES.map((r) => r.id)).size).toBe(MODEL_RECIPES.length);
  });
});
