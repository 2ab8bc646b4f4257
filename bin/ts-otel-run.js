#!/usr/bin/env node
'use strict';
// V8's on-disk code cache (Node >= 22.1) takes compiling the CLI and commander off every launch.
require('node:module').enableCompileCache?.();
require('../dist/bundle/cli/main.js').main();
