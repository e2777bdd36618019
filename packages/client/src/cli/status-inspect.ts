#!/usr/bin/env node
// status-inspect: opens Status envelopes layer by layer and prints one JSON object per envelope
// per line. Exit code 0 when every input parsed as an envelope (even when some layers could not
// be opened), 1 when some input is unusable, 2 on a usage error (bad option or key).
import { readFile } from 'node:fs/promises';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import {
  INSPECT_ERROR,
  InspectError,
  inspectDecodedEnvelope,
  parseEnvelopes,
  parseHex,
  prepareKeys,
  splitInputLines,
  type InspectKeys,
  type InspectResult,
  type KeyRing,
} from './inspect.js';

const EXIT = { OK: 0, BAD_INPUT: 1, USAGE: 2 } as const;

interface CliOptions {
  file?: string[];
  chat?: string[];
  symKey?: Uint8Array[];
  privateKey?: Uint8Array;
  peer?: Uint8Array[];
  mailserverPassword?: string[];
  now?: number;
  pretty: boolean;
}

function collect<T>(parse: (v: string) => T): (value: string, previous: T[] | undefined) => T[] {
  return (value, previous) => [...(previous ?? []), parse(value)];
}

function hexArg(what: string): (v: string) => Uint8Array {
  return (v) => {
    try {
      return parseHex(v, what);
    } catch (e) {
      throw new InvalidArgumentError((e as Error).message);
    }
  };
}

function unixSeconds(v: string): number {
  if (!/^\d+$/.test(v.trim())) throw new InvalidArgumentError(`expected Unix seconds, got ${JSON.stringify(v)}`);
  const n = Number(v.trim());
  if (!Number.isSafeInteger(n) || n > 0xffffffff) throw new InvalidArgumentError(`Unix seconds out of range: ${v}`);
  return n;
}

function buildProgram(): Command {
  return new Command()
    .name('status-inspect')
    .description(
      'Open Whisper v6 / Waku v1 envelopes layer by layer (envelope, Whisper message, ProtocolMessage, MVDS, ' +
        'ApplicationMetadataMessage, payload) and print one JSON object per envelope per line. Inputs are ' +
        'envelope RLP hex or messages packets (RLP lists of envelopes), given as arguments, in files (one per ' +
        'line, # comments) or on stdin when neither is given.',
    )
    .argument('[hex...]', 'envelope RLP or messages packet, hex (0x optional)')
    .addOption(new Option('-f, --file <path>', 'read inputs from a file, one hex per line ("-" for stdin); repeatable').argParser(collect(String)))
    .addOption(new Option('--chat <name>', 'public chat name (topic and key derived from it); repeatable').argParser(collect(String)))
    .addOption(new Option('--sym-key <hex>', '32-byte symmetric key; repeatable').argParser(collect(hexArg('--sym-key'))))
    .addOption(
      new Option('--private-key <hex>', 'our private key: asymmetric envelopes (partitioned/discovery topics), DH-header 1:1 messages, negotiated topics with --peer').argParser(
        hexArg('--private-key'),
      ),
    )
    .addOption(new Option('--peer <pubkey>', "a peer's public key (hex): with --private-key, opens the negotiated topic; repeatable").argParser(collect(hexArg('--peer'))))
    .addOption(new Option('--mailserver-password <pw>', 'mailserver password: opens password-encrypted history requests; repeatable').argParser(collect(String)))
    .addOption(new Option('--now <unix>', 'clock in Unix seconds, for old captures (decoding never depends on it; it only sets "expired")').argParser(unixSeconds))
    .option('--pretty', 'indent the JSON (one object per envelope, over several lines)', false)
    .showHelpAfterError()
    .exitOverride();
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

interface Input {
  /** Where it came from: `arg 1`, `file.txt:3`, `stdin:2`. */
  origin: string;
  text: string;
}

async function gatherInputs(args: string[], files: string[]): Promise<Input[]> {
  const inputs: Input[] = args.map((text, i) => ({ origin: `arg ${i + 1}`, text }));
  let stdinUsed = false;
  const fromText = (name: string, text: string): void => {
    for (const { line, text: t } of splitInputLines(text)) inputs.push({ origin: `${name}:${line}`, text: t });
  };
  for (const f of files) {
    if (f === '-') {
      if (stdinUsed) continue;
      stdinUsed = true;
      fromText('stdin', await readStdin());
    } else {
      fromText(f, await readFile(f, 'utf8'));
    }
  }
  if (args.length === 0 && files.length === 0) fromText('stdin', await readStdin());
  return inputs;
}

type OutputLine = ({ input: string; packetIndex?: number } & InspectResult) | { input: string; error: { code: string; message: string } };

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  let opts: CliOptions;
  let args: string[];
  try {
    program.parse(argv);
    opts = program.opts<CliOptions>();
    args = program.args;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? EXIT.OK : EXIT.USAGE;
    throw e;
  }

  const keys: InspectKeys = {
    chats: opts.chat,
    symKeys: opts.symKey,
    privateKey: opts.privateKey,
    peers: opts.peer,
    mailserverPasswords: opts.mailserverPassword,
  };
  let ring: KeyRing;
  try {
    ring = prepareKeys(keys);
  } catch (e) {
    process.stderr.write(`status-inspect: ${(e as Error).message}\n`);
    return EXIT.USAGE;
  }

  if (args.length === 0 && (opts.file ?? []).length === 0 && process.stdin.isTTY) {
    process.stderr.write(`${program.helpInformation()}\nstatus-inspect: no input: give envelope hex as arguments, --file, or pipe it on stdin\n`);
    return EXIT.USAGE;
  }
  let inputs: Input[];
  try {
    inputs = await gatherInputs(args, opts.file ?? []);
  } catch (e) {
    process.stderr.write(`status-inspect: cannot read input: ${(e as Error).message}\n`);
    return EXIT.USAGE;
  }
  if (inputs.length === 0) {
    process.stderr.write('status-inspect: no input (give envelope hex as arguments, --file, or on stdin)\n');
    return EXIT.BAD_INPUT;
  }

  let exit: number = EXIT.OK;
  const print = (line: OutputLine): void => {
    process.stdout.write(`${JSON.stringify(line, null, opts.pretty ? 2 : undefined)}\n`);
  };
  for (const input of inputs) {
    let parsed: ReturnType<typeof parseEnvelopes>;
    try {
      parsed = parseEnvelopes(parseHex(input.text, input.origin));
    } catch (e) {
      const code = e instanceof InspectError ? e.code : INSPECT_ERROR.INVALID_INPUT;
      print({ input: input.origin, error: { code, message: (e as Error).message } });
      exit = EXIT.BAD_INPUT;
      continue;
    }
    if (parsed.envelopes.length === 0) process.stderr.write(`status-inspect: ${input.origin}: an empty messages packet (no envelopes)\n`);
    parsed.envelopes.forEach((env, i) => {
      const result = inspectDecodedEnvelope(env, ring, opts.now === undefined ? {} : { now: opts.now });
      print(parsed.kind === 'messages' ? { input: input.origin, packetIndex: i, ...result } : { input: input.origin, ...result });
    });
  }
  return exit;
}

// `status-inspect … | head` closes the pipe early: stop quietly rather than crash on EPIPE.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? EXIT.OK);
  throw e;
});

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    process.stderr.write(`status-inspect: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 70;
  },
);
