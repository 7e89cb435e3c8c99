#!/usr/bin/env node
import '../dist/fctl.js';
