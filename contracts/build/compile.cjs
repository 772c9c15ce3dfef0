#!/usr/bin/env node
// Compiles every contracts/src/*.sol with the pinned solc-js, fully offline once npm packages
// are installed, and writes Truffle-style artifacts {contractName, abi, bytecode,
// deployedBytecode} that web3j-maven-plugin turns into Java wrappers.
// Usage: node compile.cjs <srcDir> <outDir> <repoRoot>
'use strict';
const fs = require('fs');
const path = require('path');
const { execFileSync } = require('child_process');

const [srcDir, outDir, repoRoot] = process.argv.slice(2);
if (!srcDir || !outDir || !repoRoot) {
  console.error('usage: compile.cjs <srcDir> <outDir> <repoRoot>');
  process.exit(2);
}

function loadSolc() {
  const opts = { paths: [repoRoot] };
  try {
    return require(require.resolve('solc', opts));
  } catch (e) {
    console.log('[contracts] solc not installed yet: running npm ci in ' + repoRoot);
    execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: repoRoot, stdio: 'inherit' });
    return require(require.resolve('solc', opts));
  }
}

const solc = loadSolc();
const pinned = JSON.parse(fs.readFileSync(path.join(repoRoot, 'package.json'), 'utf8')).dependencies.solc;
if (!solc.version().startsWith(pinned + '+')) {
  console.error(`[contracts] solc ${solc.version()} does not match the pinned ${pinned}: run npm ci`);
  process.exit(1);
}

const sources = {};
for (const f of fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort()) {
  sources[f] = { content: fs.readFileSync(path.join(srcDir, f), 'utf8') };
}
const input = {
  language: 'Solidity',
  sources,
  settings: {
    evmVersion: 'cancun',
    optimizer: { enabled: true, runs: 20000 },
    viaIR: true,
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
  },
};
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: (p) => {
  const f = path.join(srcDir, p);
  return fs.existsSync(f) ? { contents: fs.readFileSync(f, 'utf8') } : { error: 'not found: ' + p };
} }));

let failed = false;
for (const err of output.errors || []) {
  const line = err.formattedMessage || err.message;
  if (err.severity === 'error') { failed = true; console.error(line); } else { console.warn(line); }
}
if (failed) process.exit(1);

fs.mkdirSync(outDir, { recursive: true });
let count = 0;
for (const [file, contracts] of Object.entries(output.contracts)) {
  for (const [name, c] of Object.entries(contracts)) {
    const bytecode = c.evm.bytecode.object;
    if (!bytecode) continue; // interfaces and abstract contracts get no wrapper
    const artifact = { contractName: name, sourceName: file, compiler: solc.version(), evmVersion: 'cancun',
      abi: c.abi, bytecode: '0x' + bytecode, deployedBytecode: '0x' + c.evm.deployedBytecode.object };
    fs.writeFileSync(path.join(outDir, name + '.json'), JSON.stringify(artifact, null, 1));
    count++;
  }
}
console.log(`[contracts] solc ${solc.version()} compiled ${count} contracts into ${outDir}`);
