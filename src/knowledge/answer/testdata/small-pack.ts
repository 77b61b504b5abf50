import { writeTempPack } from '../../../../tests/support/packs.js';

/** A small pack in a domain the sample packs do not cover (goats, sheep, bees, rabbits), for calibration tests. */
export function writeSmallPack(extra: Record<string, string[]> = {}) {
  const entry = (
    id: string,
    title: string,
    tags: string[],
    summary: string,
    body: string,
    questions: string[] = [],
  ) => [
    '---',
    `id: ${id}`,
    'lang: en',
    `title: "${title}"`,
    'topic: animals',
    `tags: [${tags.join(', ')}]`,
    `summary: "${summary}"`,
    'source: "FAO, Small-scale livestock and beekeeping guides - https://www.fao.org/home/en"',
    ...(questions.length ? ['questions:', ...questions.map((q) => `  - "${q}"`)] : []),
    '---',
    body,
  ];
  return writeTempPack(
    [
      'id: small-livestock',
      'title: Small livestock and bees',
      'version: 0.1.0',
      'license: CC-BY-4.0',
      'languages: [en]',
      'default_language: en',
    ],
    {
      'goat-deworming.en.md': entry(
        'goat-deworming',
        'How often should I deworm my goats?',
        ['goats', 'deworming', 'worms', 'parasites', 'dewormer'],
        'Deworm goats when the inner eyelid turns pale, not on a fixed calendar, and rotate pastures.',
        'Check the colour of the inner eyelid every two weeks. A pale eyelid means the goat has many blood-sucking worms. Treat only those goats with a dewormer at the dose for their weight. Move the herd to clean pasture after treatment.',
        ['my goats have pale eyes and are thin'],
      ),
      'sheep-deworming.en.md': entry(
        'sheep-deworming',
        'How often should I deworm my sheep?',
        ['sheep', 'deworming', 'worms', 'parasites', 'dewormer'],
        'Deworm sheep when droppings turn soft or the eyelid pale, and keep lambs on clean pasture.',
        'Watch for soft droppings, a dirty tail and a pale eyelid. Weigh the sheep and give the dewormer at the right dose. Lambs need clean pasture after weaning.',
      ),
      'beehive-siting.en.md': entry(
        'beehive-siting',
        'Where should I put my beehives?',
        ['bees', 'beehive', 'apiary', 'shade', 'water'],
        'Put hives in shade near clean water, away from houses, paths and livestock.',
        'Bees need water within a short flight and shade in the hot season. Keep the apiary at least fifty metres from homes and animals. Hang hives on wires to stop ants and honey badgers.',
      ),
      'honey-harvest.en.md': entry(
        'honey-harvest',
        'When is honey ready to harvest?',
        ['honey', 'harvest', 'capped comb', 'bees'],
        'Harvest honey when most of the comb is capped with wax; uncapped honey is too wet and ferments.',
        'Open the hive in the evening with a smoker. Take only the combs that are mostly capped. Leave enough honey for the colony to survive the dry season.',
      ),
      'goat-kidding.en.md': entry(
        'goat-kidding',
        'How do I care for a goat giving birth?',
        ['goats', 'kidding', 'birth', 'colostrum'],
        'Give the doe a clean dry pen, let the kid suckle colostrum within an hour, and call help after one hour of straining.',
        'Prepare a clean pen with dry bedding before the doe is due. Most kids are born without help. Make sure each kid suckles the first milk within an hour of birth.',
      ),
      'rabbit-housing.en.md': entry(
        'rabbit-housing',
        'How should I house rabbits?',
        ['rabbits', 'hutch', 'housing', 'ventilation'],
        'Keep rabbits in a raised, airy hutch with a wire floor, shaded from sun and rain.',
        'A hutch raised off the ground keeps rabbits dry and away from predators. Give each rabbit its own space, good ventilation and fresh water every day.',
      ),
      ...extra,
    },
  );
}
