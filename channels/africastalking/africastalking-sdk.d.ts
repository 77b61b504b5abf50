/** The part of the `africastalking` SDK (CommonJS, untyped) that Baraza uses. */
declare module 'africastalking' {
  interface SmsRecipient {
    statusCode: number;
    number: string;
    status: string;
    cost?: string;
    messageId?: string;
  }
  interface SmsResponse {
    SMSMessageData: { Message: string; Recipients: SmsRecipient[] };
  }
  interface SmsParams {
    to: string | string[];
    message: string;
    from?: string;
    enqueue?: boolean;
  }
  interface PremiumSmsParams extends SmsParams {
    keyword: string;
    linkId?: string;
    retryDurationInHours?: number;
  }
  interface AfricasTalkingClient {
    SMS: {
      send(params: SmsParams): Promise<SmsResponse>;
      sendPremium(params: PremiumSmsParams): Promise<SmsResponse>;
    };
  }
  function AfricasTalking(options: { username: string; apiKey: string; format?: 'json' | 'xml' }): AfricasTalkingClient;
  namespace AfricasTalking {
    export type { AfricasTalkingClient, PremiumSmsParams, SmsParams, SmsRecipient, SmsResponse };
  }
  export default AfricasTalking;
}
