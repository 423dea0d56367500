// Validates an AsyncAPI document the way a consumer's tooling would read it: @asyncapi/parser (pinned in
// contracts/package-lock.json) parses it, resolves its relative $refs (./schemas/<type>.json) and runs its
// recommended rules. Prints one JSON report on stdout: every diagnostic, and each message with the properties of its
// resolved event schema and its headers, so the test can tell that the event schemas were actually reached.
// Usage: node contracts/tools/validate-asyncapi.mjs <document>
import parserPackage from '@asyncapi/parser';

const { Parser, fromFile } = parserPackage;
const severities = ['error', 'warning', 'information', 'hint'];

// The payload is MassTransit's envelope: allOf the envelope (whose `message` is any object), then `message` as the
// event's schema.
const eventSchema = message =>
  (message.payload()?.allOf() ?? []).map(s => s.properties()?.message).filter(s => s !== undefined).at(-1);

const path = process.argv[2];
if (!path) {
  console.error('usage: validate-asyncapi.mjs <document>');
  process.exit(2);
}

const { document, diagnostics } = await fromFile(new Parser(), path).parse();
const report = {
  valid: document !== undefined,
  diagnostics: diagnostics.map(d => ({
    severity: severities[d.severity] ?? String(d.severity),
    code: String(d.code),
    message: d.message,
    path: d.path.join('/'),
  })),
  messages: document
    ? document.allMessages().all().map(m => ({
        name: m.name() ?? m.id(),
        eventProperties: Object.keys(eventSchema(m)?.properties() ?? {}),
        headers: (m.headers()?.allOf() ?? []).flatMap(s => Object.keys(s.properties() ?? {})),
      }))
    : [],
};
console.log(JSON.stringify(report));
process.exit(report.valid ? 0 : 1);
