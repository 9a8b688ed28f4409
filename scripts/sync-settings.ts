// Writes contributes.configuration in package.json from the settings schema (server/src/config/settings.ts).
import * as fs from 'node:fs';
import { contributedConfiguration } from '../server/src/config/settings';

const file = new URL('../package.json', import.meta.url);
const manifest = JSON.parse(fs.readFileSync(file, 'utf8'));
manifest.contributes.configuration = contributedConfiguration();
fs.writeFileSync(file, JSON.stringify(manifest, null, 2) + '\n');
console.log('package.json: contributes.configuration written from server/src/config/settings.ts');
