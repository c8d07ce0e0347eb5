/** A failing `expect:` says what is missing in the probe's own words, beside the condition. */
import { afterAll, describe, expect, it } from 'vitest';
import { gitSandbox } from '../support/git-repo.js';
import { runItems } from '../support/run-checklist.js';

const sandbox = gitSandbox();
afterAll(() => sandbox.remove());

describe('probe reasons beside failing conditions', () => {
  it('file: ".github/workflows does not exist", not "type was not observed"', async () => {
    const repo = sandbox.repo('no-workflows', { 'README.md': '# x\n' });
    const { item } = await runItems(
      `      - id: wf
        title: Workflows
        probe: { kind: file, path: .github/workflows, expect: ['type == "directory"'] }
`,
      { cwd: repo.dir },
    );
    expect(item('wf').message).toBe('.github/workflows does not exist: type == "directory" (type was not observed)');
  });

  it('git: "HEAD has no tag", ".env is tracked by git", "CHANGELOG.md does not mention v1.2.0"', async () => {
    const repo = sandbox.repo('tags', { 'README.md': '# x\n', '.env': 'A=1\n', 'CHANGELOG.md': '## 1.1.0\n' });
    const items = `      - id: tag
        title: Tag
        probe: { kind: git, expect: [tag exists, tag_is_semver == true] }
      - id: env
        title: Env
        probe: { kind: git, paths: [.env], expect: [tracked..env == false, ignored..env == true] }
      - id: changelog
        title: Changelog
        probe: { kind: git, expect: [changelog_mentions_tag == true] }
`;
    const untagged = await runItems(items, { cwd: repo.dir });
    expect(untagged.item('tag').message).toBe('HEAD has no tag: tag exists (got null); HEAD has no tag: tag_is_semver == true (got false)');
    expect(untagged.item('env').message).toBe(
      '.env is tracked by git: tracked..env == false (got true); .env is not ignored by git (add it to .gitignore): ignored..env == true (got false)',
    );
    repo.git('tag', 'v1.2.0');
    const tagged = await runItems(items, { cwd: repo.dir });
    expect(tagged.item('tag').status).toBe('pass');
    expect(tagged.item('changelog').message).toBe('CHANGELOG.md does not mention v1.2.0: changelog_mentions_tag == true (got false)');
  });
});
