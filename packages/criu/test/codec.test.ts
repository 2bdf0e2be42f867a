import { describe, expect, it } from 'vitest';
import { criuReq, decodeMessage, decodeResponse, encodeMessage, encodeRequest, ReqType } from '../src/index.js';

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

describe('the criu_req encoder (rpc.proto field numbers)', () => {
  it('writes the required type as field 1, a varint', () => {
    expect(hex(encodeRequest({ type: ReqType.DUMP }))).toBe('0801');
  });

  it('writes opts as field 2, length-delimited, with its own fields inside', () => {
    // type=DUMP; opts { images_dir_fd (1) = 5, leave_running (3) = true }
    expect(hex(encodeRequest({ type: ReqType.DUMP, opts: { imagesDirFd: 5, leaveRunning: true } }))).toBe('0801' + '1204' + '0805' + '1801');
  });

  it('writes strings and repeated messages: log_file (10), ext_mnt (23) twice', () => {
    const bytes = encodeRequest({
      type: ReqType.RESTORE,
      opts: { imagesDirFd: 3, logFile: 'x.log', extMnt: [{ key: '/a', val: '/b' }, { key: '/c', val: '/d' }] },
    });
    const extMnt = (k: string, v: string) => 'ba01' + '08' + '0a02' + Buffer.from(k).toString('hex') + '1202' + Buffer.from(v).toString('hex');
    expect(hex(bytes)).toBe('0802' + '121f' + '0803' + '5205' + Buffer.from('x.log').toString('hex') + extMnt('/a', '/b') + extMnt('/c', '/d'));
  });

  it('writes field numbers above 15 with two-byte tags: status_fd (49), orphan_pts_master (50)', () => {
    expect(hex(encodeRequest({ type: ReqType.DUMP, opts: { imagesDirFd: 0, statusFd: 7, orphanPtsMaster: true } }))).toBe('0801' + '1208' + '0800' + '8803' + '07' + '9003' + '01');
  });

  it('writes an empty-namespace mask as an unsigned varint', () => {
    expect(hex(encodeRequest({ type: ReqType.DUMP, opts: { imagesDirFd: 0, emptyNs: 0x40000000 } }))).toBe('0801' + '1209' + '0800' + 'b002' + '8080808004');
  });

  it('round-trips through the decoder of the same schema', () => {
    const request = { type: ReqType.RESTORE, opts: { imagesDirFd: 9, rstSibling: true, cgRoot: [{ path: '/x' }, { ctrl: 'cpu', path: '/y' }], inheritFd: [{ key: 'pipe:[12]', fd: 1 }] }, notifySuccess: false };
    expect(decodeMessage(criuReq, encodeRequest(request))).toEqual(request);
  });

  it('refuses a message without a required field, naming it', () => {
    expect(() => encodeRequest({ type: ReqType.DUMP, opts: {} as never })).toThrow('criu rpc: criu_opts.imagesDirFd is required');
    expect(() => encodeRequest({ type: ReqType.RESTORE, opts: { imagesDirFd: 1, inheritFd: [{ key: 'k' } as never] } })).toThrow('inherit_fd.fd is required');
  });

  it('refuses a field of the wrong type or one the schema does not have', () => {
    expect(() => encodeRequest({ type: ReqType.DUMP, opts: { imagesDirFd: 1, leaveRunning: 'yes' as never } })).toThrow('criu_opts.leaveRunning: expected a boolean, got "yes"');
    expect(() => encodeRequest({ type: ReqType.DUMP, opts: { imagesDirFd: 1, emptyNs: -1 } })).toThrow('criu_opts.emptyNs: expected an unsigned 32-bit integer');
    expect(() => encodeMessage(criuReq, { type: 1, bogus: true })).toThrow('criu_req has no field "bogus"');
  });
});

describe('the criu_resp decoder', () => {
  it('reads a notify: type NOTIFY, success, notify { script, pid }', () => {
    const script = Buffer.from('post-restore');
    const notify = Buffer.concat([Buffer.from([0x0a, script.length]), script, Buffer.from([0x10, 42])]);
    const bytes = Buffer.concat([Buffer.from([0x08, 6, 0x10, 1, 0x2a, notify.length]), notify]);
    expect(decodeResponse(bytes)).toEqual({ type: ReqType.NOTIFY, success: true, notify: { script: 'post-restore', pid: 42 } });
  });

  it('reads a failure with cr_errno (7) and cr_errmsg (9)', () => {
    const message = Buffer.from('boom');
    const bytes = Buffer.concat([Buffer.from([0x08, 1, 0x10, 0, 0x38, 2, 0x4a, message.length]), message]);
    expect(decodeResponse(bytes)).toEqual({ type: ReqType.DUMP, success: false, crErrno: 2, crErrmsg: 'boom' });
  });

  it('reads the restored pid and skips fields it does not know', () => {
    // restore { pid = 1234 }, then an unknown field 99 (varint) and an unknown length-delimited 98
    const bytes = Buffer.from([0x08, 2, 0x10, 1, 0x22, 0x03, 0x08, 0xd2, 0x09, 0x98, 0x06, 0x05, 0x92, 0x06, 0x01, 0x00]);
    expect(decodeResponse(bytes)).toEqual({ type: ReqType.RESTORE, success: true, restore: { pid: 1234 } });
  });

  it('refuses an answer without its required fields, or with a field of the wrong wire type', () => {
    expect(() => decodeResponse(Buffer.from([0x08, 1]))).toThrow('criu rpc: a criu_resp without its required success');
    expect(() => decodeResponse(Buffer.from([0x0a, 0x00, 0x10, 1]))).toThrow('field 1 has wire type 2, expected 0');
    expect(() => decodeResponse(Buffer.from([0x08]))).toThrow(/criu rpc: a criu_resp that does not decode/);
  });
});
