// Options and shared shapes of the payloads package. The package is pure (no I/O, no ports):
// everything here is passed in by the caller.

/** Options for opening a received ApplicationMetadataMessage. */
export interface OpenOptions {
  /**
   * The signer the layer below vouched for (envelope or secure-transport signature), used only when
   * the message carries no signature of its own.
   */
  readonly transportAuthor?: Uint8Array;
}

/** Options for `receiveApplicationMessage`. */
export interface ReceiveOptions extends OpenOptions {
  /**
   * Transport (Whisper/Waku) timestamp of the envelope, ms. When given, clocks more than 120 s
   * ahead of it are rejected, with status-go's other receive-side checks.
   */
  readonly transportTimestampMs?: bigint | number;
}

/** What is needed to place an incoming message in a chat (6/PAYLOADS "Chats"). */
export interface IncomingChatContext {
  /** The message's `message_type` field. */
  readonly messageType: number;
  /** The message's `chat_id` field. */
  readonly chatId: string;
  /** Recovered author (65 or 33 bytes). */
  readonly author: Uint8Array;
  /** Our own identity key: a 1:1 message we signed came from one of our paired devices. */
  readonly self: Uint8Array;
  /** Public chats: the chat the transport delivered the message on (its topic/key). */
  readonly expectedPublicChat?: string;
  /** Private groups: the groups we are a member of; when given, others are UNKNOWN_GROUP. */
  readonly joinedGroups?: ReadonlySet<string>;
}

/** What ordering needs of a message: its clock, and its id (0x-hex) to break ties. */
export interface Ordered {
  readonly clock: bigint;
  readonly id: string;
}
