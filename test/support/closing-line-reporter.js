/**
 * Prints one plain closing line, "Tests: N passed, N failed, N skipped", after jest's own
 * summary, so CI tools that read the last line (not jest's format) see what ran.
 */
class ClosingLineReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    process.stdout.write(`\nTests: ${results.numPassedTests} passed, ${results.numFailedTests} failed, ${skipped} skipped\n`);
  }
}
module.exports = ClosingLineReporter;
