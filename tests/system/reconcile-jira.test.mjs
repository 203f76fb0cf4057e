// reconcile-jira.test.mjs - `keten reconcile` asks a Jira site (jira-sim)
// for the issues that carry Keten's reference (issue 16): the issue Keten
// made is known, one labelled with a leg id Keten no longer knows (as
// after a restore) is reported and left alone, an issue with another
// label or outside the mapping's poll_jql is not listed; the polled
// supplier's listing (page size 2) reads its pages by nextPageToken.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { certs, keten, request } from './lib/harness.mjs';
import { EMAIL, KEY, POLLED, TOKEN, delivered, startJira, stopJira } from './lib/jira.mjs';

test('reconcile reports the Jira issues carrying a reference Keten does not know', async () => {
  // the stack starts at a closed port: a short breaker, so the polled supplier soon delivers
  const { s, jira } = await startJira({ KETEN_RETRY_BASE_MS: '100', KETEN_RETRY_MAX_MS: '3000',
    KETEN_BREAKER_OPEN_MS: '1000', KETEN_BREAKER_OPEN_MAX_MS: '2000' });
  try {
    const known = await delivered(s, jira, 'change', 'known to Keten');
    const knownPolled = await delivered(s, jira, 'incident', 'known to Keten, polled', 'acme-jira-polled');
    const make = async (project, labels) => {
      const r = await request(jira.url, 'POST', '/rest/api/3/issue', {
        body: { fields: { project: { key: project }, issuetype: { id: project === 'OPS' ? '10003' : '10002' },
          summary: 'made at Jira', labels } },
        headers: { authorization: `Basic ${Buffer.from(`${EMAIL}:${TOKEN}`).toString('base64')}`,
          accept: 'application/json' } });
      assert.equal(r.status, 201, r.text);
      return r.json.id;
    };
    const forgotten = randomUUID();
    const unknown = await make('CHG', [`keten-${forgotten}`, 'network']);
    await make('CHG', ['other-integration']);
    // outside acme-jira's poll_jql, inside acme-jira-polled's
    const lost = [randomUUID(), randomUUID(), randomUUID()];
    const unknownPolled = [];
    for (const leg of lost) unknownPolled.push(await make('OPS', [`keten-${leg}`]));
    await make('OPS', ['not-ours']);

    const env = { ...s.env, KETEN_SECRET_JIRA_TOKEN: TOKEN, KETEN_SUPPLIER_CA: certs().ca };
    const r = keten(['reconcile', '--supplier', KEY, '--dry-run'], env);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    assert.match(r.stdout, new RegExp(`^  ${KEY}: 2 ticket\\(s\\) listed, 1 unknown to Keten$`, 'm'));
    assert.match(r.stdout, new RegExp(`^    ${KEY} ticket ${unknown} \\(reference ${forgotten}\\) unknown to Keten$`, 'm'));
    assert.doesNotMatch(r.stdout, new RegExp(`ticket ${known.issue.id} `));
    assert.match(r.stdout, new RegExp(`^  ${KEY}: push only: `, 'm'));

    const p = keten(['reconcile', '--supplier', POLLED, '--dry-run'], env);
    assert.equal(p.code, 0, p.stdout + p.stderr);
    assert.match(p.stdout, new RegExp(`^  ${POLLED}: 4 ticket\\(s\\) listed, 3 unknown to Keten$`, 'm'));
    for (const [i, id] of unknownPolled.entries()) {
      assert.match(p.stdout, new RegExp(`^    ${POLLED} ticket ${id} \\(reference ${lost[i]}\\) unknown to Keten$`, 'm'));
    }
    assert.doesNotMatch(p.stdout, new RegExp(`ticket ${knownPolled.issue.id} `));
    const searches = (await jira.control('GET', '/_sim/received'))
      .filter((q) => q.path.startsWith('/rest/api/3/search/jql') && q.path.includes('EMPTY'));
    assert.ok(searches.some((q) => q.path.includes('nextPageToken=')), 'the listing read a second page');
    assert.deepEqual(await jira.control('GET', '/_sim/problems'), [], 'every request as Jira\'s documents say');
  } finally {
    await stopJira(s, jira);
  }
});
