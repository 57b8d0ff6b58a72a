// The frames of a ConverseStream answer as Bedrock Runtime sends them: the AWS event stream
// encoding (application/vnd.amazon.eventstream), one JSON event per frame, encoded with the AWS
// SDK's own codec. Shared by the image build's warm-up model (warm-up-model.ts) and the tests'
// Bedrock stand-in, so both speak the one wire format the SDK decodes.
import { EventStreamCodec } from "@smithy/eventstream-codec";

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();
const codec = new EventStreamCodec(
  (bytes) => utf8Decoder.decode(bytes),
  (text) => utf8Encoder.encode(text),
);

function stringHeader(value: string): { type: "string"; value: string } {
  return { type: "string", value };
}

/** One event of the stream: `messageStart`, `contentBlockDelta`, `messageStop`, `metadata`, … */
export function eventFrame(eventType: string, payload: unknown): Uint8Array {
  return codec.encode({
    headers: {
      ":message-type": stringHeader("event"),
      ":event-type": stringHeader(eventType),
      ":content-type": stringHeader("application/json"),
    },
    body: utf8Encoder.encode(JSON.stringify(payload)),
  });
}

/** An error inside the stream; the type header names the union member (`throttlingException`). */
export function exceptionFrame(type: string, message: string): Uint8Array {
  return codec.encode({
    headers: {
      ":message-type": stringHeader("exception"),
      ":exception-type": stringHeader(type.charAt(0).toLowerCase() + type.slice(1)),
      ":content-type": stringHeader("application/json"),
    },
    body: utf8Encoder.encode(JSON.stringify({ message })),
  });
}
