/**
 * The closed error list: every code src/ mentions is in src/errors.ts, every listed code is used, and the
 * README's table is made from the list (test/harness/error-list.ts).
 */
import { describeErrorList } from '../../../test/harness/error-list.js';
import { INITRAMFS_ERROR_CODES } from '../src/errors.js';

describeErrorList(import.meta.url, ['INITRAMFS'], INITRAMFS_ERROR_CODES);
