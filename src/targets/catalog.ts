/**
 * The target catalog: one data-only entry per CI platform. The manifest schema (target ids,
 * `overrides.<id>`, reserved variable prefixes, forbidden expression openers), init's
 * detection, adopt and the tests derive from it, so a fifth target is its folder plus one
 * entry here (see docs/architecture.md). Entries import no target code: the manifest reads them.
 */
import { z } from 'zod';

export interface CatalogEntry {
  /** The id in `targets:` and `overrides:`, e.g. `gitlab`. */
  id: string;
  /** The platform's name for people, e.g. "GitLab CI". */
  displayName: string;
  /** The files it writes, relative to the repository root; `*` stands for a file name. */
  files: string[];
  /** A path whose presence in a repository means the project already uses this platform (init). */
  detectedBy: string;
  /** Prefixes of variables the platform sets: a secret or `env` name may not start with one. */
  reservedPrefixes: string[];
  /** Text the platform evaluates anywhere in its file before a shell sees it: refused in every manifest value. */
  expressionOpeners: string[];
  /** Openers it evaluates in configuration values (images, runner labels) that mlgen cannot protect there. */
  configurationOpeners: string[];
  /** The schema of `overrides.<id>`. */
  overrides: z.ZodType;
  /** Whether `mlgen adopt` turns a hand edit of its files into an override (YAML documents can be diffed). */
  adopt: boolean;
}

const yamlOverrides = (what: string) => z.record(z.string(), z.unknown()).optional().describe(what);
const ENV_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** Plugins a Jenkinsfile uses only where the manifest says the controller has them (overrides.jenkins.plugins). */
export const JENKINS_OPTIONAL_PLUGINS = ['htmlpublisher'] as const;

const BUILT_IN: CatalogEntry[] = [
  {
    id: 'github',
    displayName: 'GitHub Actions',
    files: ['.github/workflows/mlgen-*.yml', '.github/actionlint.yaml'],
    detectedBy: '.github/workflows',
    reservedPrefixes: ['GITHUB_', 'RUNNER_'],
    expressionOpeners: ['${{'],
    configurationOpeners: [],
    overrides: yamlOverrides('Deep-merged into every GitHub workflow; a job entry applies where that job exists.'),
    adopt: true,
  },
  {
    id: 'gitlab',
    displayName: 'GitLab CI',
    files: ['.gitlab-ci.yml'],
    detectedBy: '.gitlab-ci.yml',
    reservedPrefixes: ['CI_', 'GITLAB_'],
    expressionOpeners: [],
    configurationOpeners: [],
    overrides: yamlOverrides('Deep-merged into .gitlab-ci.yml.'),
    adopt: true,
  },
  {
    id: 'azure',
    displayName: 'Azure Pipelines',
    files: ['azure-pipelines.yml'],
    detectedBy: 'azure-pipelines.yml',
    reservedPrefixes: ['BUILD_', 'SYSTEM_', 'AGENT_'],
    expressionOpeners: ['${{'],
    configurationOpeners: ['$(', '$['],
    overrides: yamlOverrides('Deep-merged into azure-pipelines.yml.'),
    adopt: true,
  },
  {
    id: 'jenkins',
    displayName: 'Jenkins',
    files: ['Jenkinsfile', 'jenkins/*.Jenkinsfile'],
    detectedBy: 'Jenkinsfile',
    reservedPrefixes: ['JENKINS_'],
    expressionOpeners: [],
    configurationOpeners: [],
    overrides: z
      .strictObject({
        agent: z.string().min(1).optional().describe('An agent label for every stage, replacing the runner labels.'),
        options: z.array(z.string().min(1)).optional().describe('Extra lines for the options block, e.g. "buildDiscarder(logRotator(numToKeepStr: \'20\'))".'),
        environment: z.record(z.string().regex(ENV_NAME), z.string()).optional().describe('Extra environment variables.'),
        plugins: z
          .array(z.enum(JENKINS_OPTIONAL_PLUGINS))
          .optional()
          .describe('Optional plugins installed on the controller that mlgen may use: htmlpublisher (HTML Publisher) shows the gate report as a page on the build.'),
      })
      .optional()
      .describe('Jenkinsfiles are Groovy: a smaller, typed surface.'),
    adopt: false,
  },
];

const entries: CatalogEntry[] = [...BUILT_IN];
let version = 0;

/** Every target mlgen knows, built-in first. */
export function catalog(): readonly CatalogEntry[] {
  return entries;
}

export function catalogEntry(id: string): CatalogEntry | undefined {
  return entries.find((e) => e.id === id);
}

/** Changes whenever an entry is added, so what is derived from the catalog can be rebuilt. */
export function catalogVersion(): number {
  return version;
}

/** Adds a target's entry (an extension, or a test's extra target). Its id must be new and a slug. */
export function addCatalogEntry(entry: CatalogEntry): void {
  if (!/^[a-z][a-z0-9-]*$/.test(entry.id)) throw new Error(`a target id is a lowercase slug, not "${entry.id}"`);
  if (catalogEntry(entry.id)) throw new Error(`a target "${entry.id}" is already in the catalog`);
  entries.push(entry);
  version++;
}

/** The prefixes mlgen itself sets, plus every target's. */
export function reservedPrefixes(): string[] {
  return ['MLGEN_', ...entries.flatMap((e) => e.reservedPrefixes)];
}
