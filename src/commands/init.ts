import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { BaseCommand, UserError } from '../cli/base.js';
import { writeFileAtomic } from '../files/write.js';
import { detectDefaults, type InitAnswers } from '../init/detect.js';
import { interview, QUESTIONS } from '../init/interview.js';
import { existingCiNotes } from '../init/existing-ci.js';
import { importCi, renderDraft, type ImportedCi, type Skipped } from '../init/import/index.js';
import { repoView } from '../init/repo.js';
import { checkManifest, renderManifest, schemaRefFor } from '../init/scaffold.js';
import { formatDiagnostics } from '../manifest/index.js';

export interface InitResult {
  manifest: string;
  answers: InitAnswers;
  detected: string[];
  /** When the draft came from existing CI files: which, and what did not carry over. */
  imported?: { files: string[]; skipped: Skipped[] };
}

/** Flags that answer a question, by the question's key. */
const ANSWER_FLAGS = { name: 'name', targets: 'targets', python: 'python', branch: 'branch', install: 'install', dataPull: 'data-pull', train: 'train', image: 'image' } as const;

export default class Init extends BaseCommand {
  static override summary = 'Write a commented mlgen.yaml, with defaults detected from the repository.';
  static override description =
    'On a terminal, asks a few questions (Enter keeps the detected default). In scripts, pass --yes and any answer as a flag. Never replaces an existing manifest without --force.';
  static override examples = [
    '<%= config.bin %> init',
    '<%= config.bin %> init --yes --name churn --targets github,gitlab --python 3.12',
  ];
  static override flags = {
    manifest: Flags.string({ char: 'm', description: 'Where to write the manifest.', default: 'mlgen.yaml' }),
    yes: Flags.boolean({ char: 'y', description: 'Ask nothing: take the detected defaults and the flags.', default: false }),
    force: Flags.boolean({ char: 'f', description: 'Replace an existing manifest.', default: false }),
    name: Flags.string({ description: 'Project name (lowercase letters, digits, "-").' }),
    targets: Flags.string({ description: 'CI systems, comma-separated: github, gitlab, azure, jenkins.' }),
    python: Flags.string({ description: 'Python version, e.g. 3.11.' }),
    branch: Flags.string({ description: 'Release branch.' }),
    install: Flags.string({ description: 'Install command.' }),
    'data-pull': Flags.string({ description: 'Command that fetches versioned data ("-" for none).' }),
    train: Flags.string({ description: 'Training command.' }),
    image: Flags.string({ description: 'Image to build from the Dockerfile and push ("-" for none).' }),
    import: Flags.boolean({ description: 'Draft the manifest from the CI files the repository has (--no-import: from the template).', default: true, allowNo: true }),
  };

  async run(): Promise<InitResult> {
    const { flags } = await this.parse(Init);
    this.quiet = flags.quiet;
    const manifest = flags.manifest;
    if (existsSync(manifest) && !flags.force) {
      throw new UserError(`${manifest} already exists: edit it, or pass --force to replace it`);
    }
    const repo = repoView(dirname(resolve(manifest)));
    const detection = detectDefaults(repo);
    let answers = { ...detection.answers };
    const answered = new Set<string>();
    for (const question of QUESTIONS) {
      const given = flags[ANSWER_FLAGS[question.key as keyof typeof ANSWER_FLAGS]];
      if (given === undefined) continue;
      answered.add(question.key);
      const parsed = question.parse(given.trim());
      if (typeof parsed === 'string') throw new UserError(`--${ANSWER_FLAGS[question.key as keyof typeof ANSWER_FLAGS]} ${JSON.stringify(given)}: ${parsed}`, 2);
      (answers as unknown as Record<string, unknown>)[question.key] = parsed.value;
    }
    if (flags.image && flags.image !== '-' && answers.dockerfile === null) answers.dockerfile = 'Dockerfile';

    const imported = flags.import ? importCi({ read: repo.read, list: repo.list ?? (() => []) }, { name: answers.name, branch: answers.branch }) : undefined;
    if (imported) return this.writeImported(manifest, imported, answers, answered, detection.found.map((f) => f.id));

    const interactive = !flags.yes && !this.jsonEnabled() && Boolean(process.stdin.isTTY);
    if (interactive) {
      if (detection.found.length > 0) this.say(`Found: ${detection.found.map((f) => f.looksFor).join('; ')}`);
      answers = await interview(answers, { input: process.stdin, output: process.stdout });
    } else if (!flags.yes) {
      throw new UserError('init asks questions on a terminal; here there is none: pass --yes to take the detected defaults, with flags such as --name and --targets to change them', 2);
    }

    const installFound = detection.found.some((f) => f.id === 'requirements' || f.id === 'pyproject') || flags.install !== undefined || interactive;
    const text = renderManifest(answers, schemaRefFor(dirname(resolve(manifest))), { installFound });
    const problems = checkManifest(text);
    if (problems.length > 0) {
      throw new UserError(`these answers do not make a valid manifest:\n${formatDiagnostics(problems, new Map([['mlgen.yaml', text]]))}`);
    }
    await writeFileAtomic(resolve(manifest), text);
    this.say(`wrote ${manifest} (${answers.targets.join(', ')}). Next: review it, then run mlgen generate`);
    for (const note of existingCiNotes(dirname(resolve(manifest)), answers.targets)) this.say(`note: ${note}`);
    return { manifest, answers, detected: detection.found.map((f) => f.id) };
  }

  /** The draft from existing CI files, with the answers given as flags on top. */
  private async writeImported(manifest: string, imported: ImportedCi, answers: InitAnswers, answered: ReadonlySet<string>, detected: string[]): Promise<InitResult> {
    const draft = imported.draft.manifest;
    if (answered.has('name')) draft.name = answers.name;
    if (answered.has('targets')) draft.targets = answers.targets;
    const defaults = draft.defaults as Record<string, unknown>;
    if (answered.has('python')) defaults.python = answers.python;
    if (answered.has('branch')) defaults.branch = answers.branch;
    // The comment line init starts every manifest with (the editor's schema), from the template.
    const header = renderManifest(answers, schemaRefFor(dirname(resolve(manifest)))).split('\n')[0]!.replace(/^#/, '');
    const text = renderDraft(imported, header);
    const problems = checkManifest(text);
    if (problems.length > 0) {
      throw new UserError(`the manifest drafted from ${imported.files.join(', ')} is not valid:\n${formatDiagnostics(problems, new Map([['mlgen.yaml', text]]))}\npass --no-import to start from the template instead`);
    }
    await writeFileAtomic(resolve(manifest), text);
    const skipped = imported.draft.skipped;
    this.say(`read ${imported.files.join(', ')}: wrote ${manifest}, each key with the file and line it came from`);
    if (skipped.length > 0) this.say(`not carried over (listed at the end of ${manifest} too):\n${skipped.map((s) => `  ${s.file}:${s.line}: ${s.what}: ${s.why}`).join('\n')}`);
    for (const note of existingCiNotes(dirname(resolve(manifest)), draft.targets as InitAnswers['targets'])) this.say(`note: ${note}`);
    this.say(`Next: review ${manifest}, then run mlgen generate`);
    return { manifest, answers, detected, imported: { files: imported.files, skipped } };
  }
}
