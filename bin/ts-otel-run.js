#!/usr/bin/env node
'use strict';
require('../dist/bundle/cli/main.js').main();
