/**
 * Test helpers: assertions, and cross-check helpers shared by tests.
 *
 * @module
 */
export * from "./assert.ts";
