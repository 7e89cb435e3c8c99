import { serve } from '@fctl-kit/plugin-sdk';
import { plugin } from './plugin.js';

serve(plugin);
