/** The test schema that tests/support/protobuf-reference.py builds on the Python side too. */
import { type MessageSchema, message } from '../../runtime/src/protobuf/index.js';

export const Everything: MessageSchema = message('Everything', [
  { name: 'i32', no: 1, type: 'int32' },
  { name: 'i64', no: 2, type: 'int64' },
  { name: 'u32', no: 3, type: 'uint32' },
  { name: 'u64', no: 4, type: 'uint64' },
  { name: 's32', no: 5, type: 'sint32' },
  { name: 's64', no: 6, type: 'sint64' },
  { name: 'b', no: 7, type: 'bool' },
  { name: 'e', no: 8, type: 'enum' },
  { name: 'f32', no: 9, type: 'fixed32' },
  { name: 'f64', no: 10, type: 'fixed64' },
  { name: 'sf32', no: 11, type: 'sfixed32' },
  { name: 'sf64', no: 12, type: 'sfixed64' },
  { name: 'fl', no: 13, type: 'float' },
  { name: 'd', no: 14, type: 'double' },
  { name: 's', no: 15, type: 'string' },
  { name: 'by', no: 16, type: 'bytes' },
  { name: 'child', no: 17, type: 'message', message: () => Everything },
  { name: 'ri', no: 18, type: 'int32', repeated: true },
  { name: 'rs', no: 19, type: 'string', repeated: true },
  { name: 'rc', no: 20, type: 'message', repeated: true, message: () => Everything },
  { name: 'rs64', no: 21, type: 'sint64', repeated: true },
  { name: 'name', no: 23, type: 'string', optional: true },
  { name: 'num', no: 24, type: 'int32', optional: true },
  { name: 'unpacked', no: 25, type: 'uint32', repeated: true, packed: false },
]);
