import { Flags } from '@oclif/core';
import { summarize } from '../../sync/changes.js';
import { gitOrigin, SyncCommand, syncFlags } from './base.js';
import { syncJenkins, type JenkinsSyncResult } from '../../sync/jenkins/index.js';
import { carriesCredentials } from '../../sync/redact.js';
import { UserError } from '../../cli/base.js';

export default class SyncJenkins extends SyncCommand {
  static override summary = 'Create or update a Multibranch Pipeline project for the main Jenkinsfile and a Pipeline job per schedule Jenkinsfile, after the Jenkins declarative linter accepts them.';
  static override description = `Credentials come from JENKINS_USER and JENKINS_TOKEN (a user API token).
Jenkinsfile -> the Multibranch Pipeline project NAME (a Git branch source: every branch builds, BRANCH_NAME is set, each build checks out one commit); jenkins/<schedule>.Jenkinsfile -> the Pipeline job NAME-<schedule> ("Pipeline script from SCM" on --branch). A job is written only when its definition differs from what mlgen wants; everything else in its configuration is kept.`;
  static override examples = [
    {
      description: 'See what would change (with JENKINS_USER and JENKINS_TOKEN exported):',
      command: '<%= config.bin %> sync jenkins --url https://ci.example.com --job house-prices --repo https://git.example.com/acme/house-prices.git --dry-run',
    },
    { description: 'Jobs in a folder, Git checked out with a credential:', command: '<%= config.bin %> sync jenkins --url https://ci.example.com --job ml/house-prices --credentials git-ssh' },
  ];
  static override flags = {
    url: Flags.string({ description: 'The Jenkins root URL, e.g. https://ci.example.com.', required: true }),
    job: Flags.string({ description: 'The main job name (a folder path like team/house-prices works); schedule jobs get -<schedule> appended.', required: true }),
    repo: Flags.string({ description: "Git URL the jobs check out (default: the job's current one, else this checkout's origin)." }),
    credentials: Flags.string({ description: "Jenkins credentials id for Git (default: the job's current one, else none)." }),
    branch: Flags.string({ description: "The branch the jobs build (default: the manifest's defaults.branch)." }),
    ...syncFlags,
  };

  async run(): Promise<JenkinsSyncResult> {
    const { flags } = await this.parse(SyncJenkins);
    this.quiet = flags.quiet;
    const url = this.baseUrl(flags.url, 'https://ci.example.com');
    const user = this.fromEnvironment('JENKINS_USER', 'your Jenkins user name');
    const token = this.fromEnvironment('JENKINS_TOKEN', `a Jenkins API token (${url}/me/configure)`);
    const timeoutSeconds = this.seconds(flags.timeout);
    this.holding(token, `${user}:${token}`);
    if (flags.repo && carriesCredentials(flags.repo)) {
      throw new UserError('--repo must not carry credentials (user:password@): store them in Jenkins and pass the credentials id with --credentials', 2);
    }
    return this.reportingFailures(async () => {
      const { plan, files } = await this.generated(flags.manifest, 'jenkins');
      const result = await syncJenkins({
        url,
        job: flags.job,
        user,
        token,
        repo: flags.repo,
        credentials: flags.credentials,
        branch: flags.branch,
        dryRun: flags['dry-run'],
        timeoutSeconds,
        plan,
        files,
        log: this.logLine,
        gitOrigin,
      });
      this.logLine(summarize(result.changes, result.dryRun));
      return result;
    });
  }
}
