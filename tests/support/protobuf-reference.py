#!/usr/bin/python3
"""Reference encodings for tests/unit/protobuf-reference.test.ts, made by Google's own
protobuf library (Debian's python3-protobuf), not by our codec.

stdin (or the file named by the first argument): one JSON object per line: {"json": <message in protobuf JSON form>, "ours": <hex>}
stdout: one JSON object per line: {"hex": <python's encoding>, "same": <python parses
"ours" to the same message>, "parsed": <python's JSON form of "ours">}

The message type, built from a descriptor (no protoc needed):
  enum Color { ZERO = 0; ONE = 1; BIG = 1000; NEG = -5; }
  message Everything {
    int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; sint32 s32 = 5;
    sint64 s64 = 6; bool b = 7; Color e = 8; fixed32 f32 = 9; fixed64 f64 = 10;
    sfixed32 sf32 = 11; sfixed64 sf64 = 12; float fl = 13; double d = 14; string s = 15;
    bytes by = 16; Everything child = 17; repeated int32 ri = 18; repeated string rs = 19;
    repeated Everything rc = 20; repeated sint64 rs64 = 21;
    oneof pick { string name = 23; int32 num = 24; }
    repeated uint32 unpacked = 25 [packed = false];
  }
"""
import json
import sys

from google.protobuf import descriptor_pb2, descriptor_pool, json_format, message_factory

F = descriptor_pb2.FieldDescriptorProto
fdp = descriptor_pb2.FileDescriptorProto(name='x0_reference.proto', package='x0', syntax='proto3')
enum = fdp.enum_type.add(name='Color')
for name, number in [('ZERO', 0), ('ONE', 1), ('BIG', 1000), ('NEG', -5)]:
    enum.value.add(name=name, number=number)
msg = fdp.message_type.add(name='Everything')
msg.oneof_decl.add(name='pick')
fields = [
    ('i32', 1, F.TYPE_INT32), ('i64', 2, F.TYPE_INT64), ('u32', 3, F.TYPE_UINT32), ('u64', 4, F.TYPE_UINT64),
    ('s32', 5, F.TYPE_SINT32), ('s64', 6, F.TYPE_SINT64), ('b', 7, F.TYPE_BOOL), ('e', 8, F.TYPE_ENUM),
    ('f32', 9, F.TYPE_FIXED32), ('f64', 10, F.TYPE_FIXED64), ('sf32', 11, F.TYPE_SFIXED32), ('sf64', 12, F.TYPE_SFIXED64),
    ('fl', 13, F.TYPE_FLOAT), ('d', 14, F.TYPE_DOUBLE), ('s', 15, F.TYPE_STRING), ('by', 16, F.TYPE_BYTES),
    ('child', 17, F.TYPE_MESSAGE), ('ri', 18, F.TYPE_INT32), ('rs', 19, F.TYPE_STRING), ('rc', 20, F.TYPE_MESSAGE),
    ('rs64', 21, F.TYPE_SINT64), ('name', 23, F.TYPE_STRING), ('num', 24, F.TYPE_INT32), ('unpacked', 25, F.TYPE_UINT32),
]
for name, number, ftype in fields:
    f = msg.field.add(name=name, number=number, type=ftype, json_name=name)
    f.label = F.LABEL_REPEATED if name in ('ri', 'rs', 'rc', 'rs64', 'unpacked') else F.LABEL_OPTIONAL
    if ftype == F.TYPE_ENUM:
        f.type_name = '.x0.Color'
    if ftype == F.TYPE_MESSAGE:
        f.type_name = '.x0.Everything'
    if name in ('name', 'num'):
        f.oneof_index = 0
    if name == 'unpacked':
        f.options.packed = False

pool = descriptor_pool.DescriptorPool()
pool.Add(fdp)
Everything = message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName('x0.Everything'))

source = open(sys.argv[1]) if len(sys.argv) > 1 else sys.stdin
for line in source:
    if not line.strip():
        continue
    case = json.loads(line)
    expected = json_format.ParseDict(case['json'], Everything())
    ours = Everything()
    ours.ParseFromString(bytes.fromhex(case['ours']))
    print(json.dumps({
        'hex': expected.SerializeToString().hex(),
        'same': ours == expected,
        'parsed': json_format.MessageToDict(ours, preserving_proto_field_name=True),
    }))
