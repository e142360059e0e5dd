/** Set on a test file's global by tenantseed's jest environment when one of its tests fails. */
export const FAILED_FLAG = '__TENANTSEED_TEST_FAILED__';
