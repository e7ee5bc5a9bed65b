/**
 * Everything the Jenkins templates may call, registered in one place: the Groovy escaping
 * first, because every manifest string reaches a Jenkinsfile through it.
 */
import { compileTemplate, createHandlebars, readTemplate, type HandlebarsEnv } from '../../templates.js';

/**
 * The body of a single-quoted Groovy string that reads back as exactly `text`.
 *
 * Single-quoted strings never interpolate (`$x` and `${…}` stay text), but Groovy still reads
 * escapes in them, so `\` is doubled first and then every `'` is escaped (ci-idioms §12).
 * Line breaks and other control characters become escapes too: each string stays on one line,
 * so the indentation Handlebars gives a partial can never reach into a command.
 */
export function escapeGroovy(text: string): string {
  let out = '';
  for (const char of text) {
    switch (char) {
      case '\\':
        out += '\\\\';
        break;
      case "'":
        out += "\\'";
        break;
      case '\n':
        out += '\\n';
        break;
      case '\r':
        out += '\\r';
        break;
      case '\t':
        out += '\\t';
        break;
      default: {
        const code = char.codePointAt(0)!;
        out += code < 0x20 || code === 0x7f ? `\\u${code.toString(16).padStart(4, '0')}` : char;
      }
    }
  }
  return out;
}

/** `text` as a single-quoted Groovy string literal. The one way manifest text enters a Jenkinsfile. */
export function groovyString(text: string): string {
  return `'${escapeGroovy(text)}'`;
}

/**
 * The withEnv list that adds the commit to a stage's environment. The commit is known only once
 * a stage's agent has checked the repository out, so the top-level environment cannot hold it.
 */
export function commitEnvironment(commitExpression: string, imageRepository: unknown): string {
  const entries = [`'MLGEN_VERSION=' + ${commitExpression}`];
  if (typeof imageRepository === 'string') entries.push(`${groovyString(`MLGEN_IMAGE=${imageRepository}:`)} + ${commitExpression}`);
  return `[${entries.join(', ')}]`;
}

const PARTIALS = [
  'agent',
  'when',
  'setup',
  'notify',
  'stage-command',
  'stage-train',
  'stage-train-changes',
  'stage-deploy',
  'stage-canary',
  'stage-parallel',
];

function createJenkinsHandlebars(): HandlebarsEnv {
  const env = createHandlebars();
  env.registerHelper('groovy', (text: unknown) => {
    if (typeof text !== 'string') throw new Error(`groovy: expected a string, got ${JSON.stringify(text)}`);
    return groovyString(text);
  });
  // Stage and post bodies read the commit from the checkout's environment (env.GIT_COMMIT);
  // the notification checks out itself and reads it from the checkout's result.
  env.registerHelper('commitEnv', (imageRepository: unknown) => commitEnvironment('env.GIT_COMMIT', imageRepository));
  env.registerHelper('checkoutCommitEnv', (imageRepository: unknown) => commitEnvironment('checkoutVars.GIT_COMMIT', imageRepository));
  for (const name of PARTIALS) env.registerPartial(name, readTemplate(`jenkins/partials/${name}.hbs`));
  return env;
}

// Made on first use: importing the target (every generate, plan and sync does) reads no template.
let handlebars: ReturnType<typeof createJenkinsHandlebars> | undefined;

export function renderTemplate(name: string, view: object): string {
  handlebars ??= createJenkinsHandlebars();
  return compileTemplate(handlebars, `jenkins/${name}`)(view);
}
