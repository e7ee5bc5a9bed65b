// Stand-in for actions/github-script v7: the script runs as the body of an async function with
// `github`, `context`, `core` and `require`, as the real action passes them
// (https://github.com/actions/github-script/blob/v7.0.1/src/main.ts). `github` is a recording
// client: issue comments live in $MLGEN_ACT_COMMENTS (a JSON file; default under RUNNER_TEMP),
// so a test can read what the REST API would hold.
import * as core from '@actions/core';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const store = process.env.MLGEN_ACT_COMMENTS || join(process.env.RUNNER_TEMP || '.', 'mlgen-standin-comments.json');
const load = () => (existsSync(store) ? JSON.parse(readFileSync(store, 'utf8')) : []);
const save = (comments) => writeFileSync(store, JSON.stringify(comments, null, 2));
const BOT = { login: 'github-actions[bot]', type: 'Bot' };

const github = {
  paginate: async (method, params) => (await method(params)).data,
  rest: {
    issues: {
      listComments: async ({ issue_number }) => ({ data: load().filter((c) => c.issue_number === issue_number) }),
      createComment: async ({ issue_number, body }) => {
        const comments = load();
        const comment = { id: comments.length + 1, issue_number, body, user: BOT };
        save([...comments, comment]);
        core.info(`stand-in: created comment ${comment.id} on #${issue_number}`);
        return { data: comment };
      },
      updateComment: async ({ comment_id, body }) => {
        const comments = load();
        const comment = comments.find((c) => c.id === comment_id);
        if (!comment) throw new Error(`stand-in: no comment ${comment_id}`);
        comment.body = body;
        save(comments);
        core.info(`stand-in: updated comment ${comment_id}`);
        return { data: comment };
      },
    },
  },
};

// Bundled as CommonJS for act: no top-level await.
(async () => {
  const event = process.env.GITHUB_EVENT_PATH ? JSON.parse(readFileSync(process.env.GITHUB_EVENT_PATH, 'utf8')) : {};
  const [owner, repo] = (process.env.GITHUB_REPOSITORY || '/').split('/');
  const context = { repo: { owner, repo }, issue: { owner, repo, number: (event.pull_request || event.issue || {}).number }, payload: event, eventName: process.env.GITHUB_EVENT_NAME };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const body = new AsyncFunction('github', 'context', 'core', 'require', core.getInput('script', { required: true }));
  await body(github, context, core, createRequire(join(process.cwd(), 'noop.js')));
})().catch((error) => core.setFailed(error instanceof Error ? error.message : String(error)));
