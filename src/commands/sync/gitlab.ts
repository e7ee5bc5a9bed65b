import { Flags } from '@oclif/core';
import { summarize } from '../../sync/changes.js';
import { SyncCommand, syncFlags } from './base.js';
import { syncGitLab, type GitLabSyncResult } from '../../sync/gitlab/index.js';

export default class SyncGitLab extends SyncCommand {
  static override summary = 'Put pipeline schedules and trigger tokens in a GitLab project, after GitLab CI Lint accepts the generated .gitlab-ci.yml.';
  static override description = `The token comes from GITLAB_TOKEN (an access token with the api scope; Maintainer role).
mlgen keeps one pipeline schedule per scheduled pipeline and one pipeline trigger token per external event, each described "mlgen: <id>". It changes and deletes only schedules and triggers whose description starts with "mlgen:"; everything else in the project is left alone. A second run with nothing changed makes no write.`;
  static override examples = [
    {
      description: 'See what would change (with GITLAB_TOKEN exported):',
      command: '<%= config.bin %> sync gitlab --url https://gitlab.com --project acme/house-prices --dry-run',
    },
    { description: 'Sync, naming the project by id:', command: '<%= config.bin %> sync gitlab --url https://gitlab.example.com --project 42' },
  ];
  static override flags = {
    url: Flags.string({ description: 'The GitLab instance, e.g. https://gitlab.com.', required: true }),
    project: Flags.string({ description: 'The project: numeric id or full path (group/project).', required: true }),
    'show-token': Flags.boolean({ description: 'Print trigger tokens in the trigger commands (default: redacted).', default: false }),
    ...syncFlags,
  };

  async run(): Promise<GitLabSyncResult> {
    const { flags } = await this.parse(SyncGitLab);
    this.quiet = flags.quiet;
    const url = this.baseUrl(flags.url, 'https://gitlab.com');
    const token = this.fromEnvironment('GITLAB_TOKEN', 'a GitLab access token with the api scope');
    const timeoutSeconds = this.seconds(flags.timeout);
    this.holding(token);
    return this.reportingFailures(async () => {
      const { plan, files } = await this.generated(flags.manifest, 'gitlab');
      const result = await syncGitLab({
        url,
        project: flags.project,
        token,
        dryRun: flags['dry-run'],
        showToken: flags['show-token'],
        timeoutSeconds,
        plan,
        files,
        log: this.logLine,
      });
      this.logLine(summarize(result.changes, result.dryRun));
      return result;
    });
  }
}
