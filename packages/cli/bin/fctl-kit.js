#!/usr/bin/env node
import '../dist/fctl-kit.js';
