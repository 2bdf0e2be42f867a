import { BinaryReader, BinaryWriter, WireType } from '@bufbuild/protobuf/wire';
import { ContainerError } from '@containerkit/core';
import { criuReq, criuResp, type CriuReq, type CriuResp, type FieldSpec, type MessageSchema } from './schema.js';

type Value = string | number | boolean | Message | Value[];
interface Message {
  [field: string]: Value | undefined;
}

/** A criu_req as the bytes of one SOCK_SEQPACKET message. */
export function encodeRequest(request: CriuReq): Uint8Array {
  return encodeMessage(criuReq, request as unknown as Message);
}

/** One SOCK_SEQPACKET message from criu swrk as a criu_resp. */
export function decodeResponse(bytes: Uint8Array): CriuResp {
  return decodeMessage(criuResp, bytes) as unknown as CriuResp;
}

export function encodeMessage(schema: MessageSchema, message: Message): Uint8Array {
  const writer = new BinaryWriter();
  writeFields(writer, schema, message);
  return writer.finish();
}

function writeFields(writer: BinaryWriter, schema: MessageSchema, message: Message): void {
  for (const name of Object.keys(message)) {
    if (!(name in schema.fields)) throw codecError(`${schema.name} has no field "${name}"`);
  }
  for (const [name, field] of Object.entries(schema.fields)) {
    const value = message[name];
    if (value === undefined) {
      if (field.required) throw codecError(`${schema.name}.${name} is required`);
      continue;
    }
    const values = field.repeated ? (value as Value[]) : [value];
    if (field.repeated && !Array.isArray(value)) throw codecError(`${schema.name}.${name} must be a list`);
    for (const one of values) writeValue(writer, schema, name, field, one);
  }
}

function writeValue(writer: BinaryWriter, schema: MessageSchema, name: string, field: FieldSpec, value: Value): void {
  const wrong = (want: string) => codecError(`${schema.name}.${name}: expected ${want}, got ${JSON.stringify(value)}`);
  switch (field.type) {
    case 'bool':
      if (typeof value !== 'boolean') throw wrong('a boolean');
      writer.tag(field.no, WireType.Varint).bool(value);
      return;
    case 'int32':
    case 'enum':
      if (!Number.isInteger(value) || (value as number) < -(2 ** 31) || (value as number) >= 2 ** 31) throw wrong('a 32-bit integer');
      writer.tag(field.no, WireType.Varint).int32(value as number);
      return;
    case 'uint32':
      if (!Number.isInteger(value) || (value as number) < 0 || (value as number) >= 2 ** 32) throw wrong('an unsigned 32-bit integer');
      writer.tag(field.no, WireType.Varint).uint32(value as number);
      return;
    case 'string':
      if (typeof value !== 'string') throw wrong('a string');
      writer.tag(field.no, WireType.LengthDelimited).string(value);
      return;
    default:
      if (typeof value !== 'object' || value === null || Array.isArray(value)) throw wrong(`a ${field.type.name}`);
      writer.tag(field.no, WireType.LengthDelimited).fork();
      writeFields(writer, field.type, value);
      writer.join();
  }
}

export function decodeMessage(schema: MessageSchema, bytes: Uint8Array): Message {
  const byNumber = new Map(Object.entries(schema.fields).map(([name, field]) => [field.no, { name, field }]));
  const reader = new BinaryReader(bytes);
  const message: Message = {};
  try {
    while (reader.pos < reader.len) {
      const [no, wireType] = reader.tag();
      const known = byNumber.get(no);
      if (!known) {
        reader.skip(wireType, no);
        continue;
      }
      const { name, field } = known;
      const value = readValue(reader, field, wireType);
      if (field.repeated) ((message[name] as Value[] | undefined) ?? (message[name] = [])).push(value);
      else message[name] = value;
    }
  } catch (error) {
    if (error instanceof ContainerError) throw error;
    throw codecError(`a ${schema.name} that does not decode: ${error instanceof Error ? error.message : String(error)}`);
  }
  for (const [name, field] of Object.entries(schema.fields)) {
    if (field.required && message[name] === undefined) throw codecError(`a ${schema.name} without its required ${name}`);
  }
  return message;
}

function readValue(reader: BinaryReader, field: FieldSpec, wireType: WireType): Value {
  const expected = typeof field.type === 'object' || field.type === 'string' ? WireType.LengthDelimited : WireType.Varint;
  if (wireType !== expected) throw codecError(`field ${field.no} has wire type ${wireType}, expected ${expected}`);
  switch (field.type) {
    case 'bool':
      return reader.bool();
    case 'int32':
    case 'enum':
      return reader.int32();
    case 'uint32':
      return reader.uint32();
    case 'string':
      return reader.string();
    default:
      return decodeMessage(field.type, reader.bytes());
  }
}

function codecError(message: string): ContainerError {
  return new ContainerError('SystemError', `criu rpc: ${message}`);
}
