#!/usr/bin/env node
// Compiles every proto/*.proto into one static protobufjs module with its types:
// src/gen/proto.js + src/gen/proto.d.ts (for the type checker) and dist/src/gen/proto.js
// (for the compiled program). Generated code is never committed.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync, copyFileSync, statSync, existsSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const protoDir = join(root, 'proto');
const genDir = join(root, 'src', 'gen');
const distGenDir = join(root, 'dist', 'src', 'gen');
const jsOut = join(genDir, 'proto.js');
const dtsOut = join(genDir, 'proto.d.ts');
const protos = readdirSync(protoDir).filter((f) => f.endsWith('.proto')).sort().map((f) => join(protoDir, f));

function newestMtime(files) {
  return Math.max(...files.map((f) => statSync(f).mtimeMs), statSync(fileURLToPath(import.meta.url)).mtimeMs);
}

// A peer can still send a uint64 of 2^53 or more, which a number would round (2^64-1 becomes
// 2^64, 2^53+1 becomes 2^53), so a refusal would quote another id than the one sent. Such a value
// is read as { unsafeUint64: "<exact decimal>" } instead (low/high make the generated code keep
// it as a set field); src/base/exact-uint64.ts finds it in a decoded message, so the node refuses
// it quoting it exactly. Smaller values read as before.
const exactUint64Reader = `const $readUint64 = $protobuf.Reader.prototype.uint64;
$protobuf.Reader.prototype.uint64 = function readExactUint64() {
    const start = this.pos;
    const value = $readUint64.call(this);
    if (Number.isSafeInteger(value)) return value;
    let exact = 0n;
    for (let i = this.pos - 1; i >= start; i--) exact = (exact << 7n) | BigInt(this.buf[i] & 0x7f);
    return { low: 1, high: 1, unsafeUint64: BigInt.asUintN(64, exact).toString() };
};`;

mkdirSync(genDir, { recursive: true });
mkdirSync(distGenDir, { recursive: true });
const upToDate = existsSync(jsOut) && existsSync(dtsOut) && statSync(dtsOut).mtimeMs >= newestMtime(protos);
if (!upToDate) {
  const bin = join(root, 'node_modules', '.bin');
  execFileSync(join(bin, 'pbjs'), ['-t', 'static-module', '-w', 'es6', '--force-number', '--no-verify', '--no-delimited', '--no-beautify', '-o', jsOut, ...protos], { stdio: 'inherit' });
  // protobufjs/minimal is CommonJS: Node's ESM loader needs the file name and a default import.
  const js = readFileSync(jsOut, 'utf8').replace(
    /^import .*\$protobuf from "protobufjs\/minimal(\.js)?";$/m,
    // dchat's 64-bit ids stay below 2^53: plain numbers, not Long objects, on both sides.
    'import $protobuf from "protobufjs/minimal.js";\n$protobuf.util.Long = undefined;\n$protobuf.configure();\n' + exactUint64Reader,
  );
  if (!js.includes('$protobuf.configure();')) throw new Error(`gen-proto: pbjs wrote an import line this script does not recognise in ${jsOut}; update the pattern above`);
  writeFileSync(jsOut, js);
  execFileSync(join(bin, 'pbts'), ['--no-comments', '-o', dtsOut, jsOut], { stdio: 'inherit' });
  // The project narrows `unknown` and has no `any`, generated code included.
  const dts = readFileSync(dtsOut, 'utf8').replace(/from "protobufjs"/g, 'from "protobufjs/index.js"').replace(/\bany\b/g, 'unknown');
  writeFileSync(dtsOut, dts);
}
copyFileSync(jsOut, join(distGenDir, 'proto.js'));
