import { ChatTransport } from './chat-transport.js';
import type { ClientCore } from './client-core.js';
import { ChatMessages } from './handlers/chat-messages.js';
import { Contacts } from './handlers/contacts.js';
import { Devices } from './handlers/devices.js';
import { Groups } from './handlers/groups.js';
import { History } from './handlers/history.js';
import { OneToOneChats } from './handlers/one-to-one.js';
import { PublicChats } from './handlers/public.js';
import { MessageSender } from './message-sender.js';
import { ReceivePipeline } from './receive-pipeline.js';

/** The parts a StatusClient is made of, wired to each other. */
export interface ClientParts {
  chatTransport: ChatTransport;
  sender: MessageSender;
  pipeline: ReceivePipeline;
  oneToOne: OneToOneChats;
  publicChats: PublicChats;
  contacts: Contacts;
  chatMessages: ChatMessages;
  groups: Groups;
  devices: Devices;
  history: History;
}

/** Builds the parts on one core: the chat transport hands every envelope to the receive pipeline, which hands each message type to its handler. */
export function buildClientParts(core: ClientCore): ClientParts {
  const chatTransport = new ChatTransport(core, (channel, m, chatName) => pipeline.handleEnvelope(channel, m, chatName));
  const sender = new MessageSender(core, chatTransport);
  const history = new History(core, chatTransport);
  const oneToOne = new OneToOneChats(core, chatTransport);
  const publicChats = new PublicChats(core, chatTransport, history);
  const contacts = new Contacts(core, sender, oneToOne);
  const chatMessages = new ChatMessages(core, chatTransport, sender, oneToOne);
  const groups = new Groups(core, chatTransport, sender, chatMessages);
  const devices = new Devices(core, chatTransport, sender);
  const pipeline: ReceivePipeline = new ReceivePipeline(core, chatTransport, sender, {
    chatMessage: (cm, rec, via, chatName) => chatMessages.receive(cm, rec, via, chatName),
    contactUpdate: (update, from) => contacts.receiveUpdate(update, from),
    membershipUpdate: (update, rec, via) => groups.receive(update, rec, via),
    pairInstallation: (value) => devices.receivePairInstallation(value),
    syncedPublicChat: (name) => publicChats.joinSynced(name),
    syncedContact: (publicKey, ensName) => contacts.addSynced(publicKey, ensName),
  });
  return { chatTransport, sender, pipeline, oneToOne, publicChats, contacts, chatMessages, groups, devices, history };
}
