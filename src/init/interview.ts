/**
 * The short interview `mlgen init` holds on a terminal. Each question shows the detected
 * default; Enter keeps it, "-" clears an optional answer, a wrong answer is explained and
 * asked again, and the end of input keeps every remaining default.
 */
import { createInterface } from 'node:readline';
import { targetIds, type TargetId } from '../manifest/index.js';
import type { InitAnswers } from './detect.js';

interface Question<K extends keyof InitAnswers> {
  key: K;
  prompt: string;
  show(value: InitAnswers[K]): string;
  /** The answer, or a string explaining what is wrong with it. */
  parse(text: string): { value: InitAnswers[K] } | string;
  when?(answers: InitAnswers): boolean;
}

const SLUG = /^[a-z0-9][a-z0-9-]*$/;
const oneLine = (what: string) => (text: string) => (/[\r\n\0]/.test(text) ? `${what} is one line` : { value: text });
const optional = (text: string) => (text === '-' ? { value: null } : { value: text });

type AnyQuestion = { [K in keyof InitAnswers]: Question<K> }[keyof InitAnswers];

export const QUESTIONS: readonly AnyQuestion[] = [
  {
    key: 'name',
    prompt: 'Project name',
    show: (v) => v,
    parse: (t) => (SLUG.test(t) ? { value: t } : 'use lowercase letters, digits and "-", starting with a letter or digit'),
  },
  {
    key: 'targets',
    prompt: `CI systems (${targetIds().join(', ')})`,
    show: (v) => v.join(', '),
    parse: (t) => {
      const names = t.split(/[\s,]+/).filter(Boolean);
      const unknown = names.filter((n) => !targetIds().includes(n));
      if (names.length === 0 || unknown.length > 0) return `name one or more of ${targetIds().join(', ')}`;
      return { value: [...new Set(names)] as TargetId[] };
    },
  },
  {
    key: 'python',
    prompt: 'Python version',
    show: (v) => v,
    parse: (t) => (/^3\.\d+(\.\d+)?$/.test(t) ? { value: t } : 'a Python 3 version such as 3.11'),
  },
  {
    key: 'branch',
    prompt: 'Release branch (packaging and deploys run from it)',
    show: (v) => v,
    parse: (t) => (/^[A-Za-z0-9._/-]+$/.test(t) ? { value: t } : 'a branch name holds letters, digits, ".", "_", "/" and "-"'),
  },
  {
    key: 'install',
    prompt: 'Install command',
    show: (v) => v.join(' && '),
    parse: (t) => (/[\r\n\0]/.test(t) ? 'the install command is one line' : t === '-' ? 'every job installs with a command: give one (e.g. pip install -r requirements.txt)' : { value: [t] }),
  },
  { key: 'dataPull', prompt: 'Command that fetches data ("-" for none)', show: (v) => v ?? '-', parse: (t) => (/[\r\n\0]/.test(t) ? 'one line' : optional(t)) },
  {
    key: 'train',
    prompt: 'Training command',
    show: (v) => v,
    // Every manifest trains: "-" (none, for the optional answers) is no command.
    parse: (t) => (t === '-' || t === '' ? 'the training command is required: the command that trains the model, e.g. python src/train.py' : oneLine('the training command')(t)),
  },
  {
    key: 'image',
    prompt: 'Image to build from the Dockerfile and push ("-" for none)',
    show: (v) => v ?? '-',
    parse: (t) => (t === '-' ? { value: null } : /^[a-z0-9]([a-z0-9._:/-]*[a-z0-9])?$/.test(t) ? { value: t } : 'a lowercase image name without a tag, e.g. ghcr.io/acme/model'),
    when: (a) => a.dockerfile !== null,
  },
];

export interface InterviewIO {
  input: NodeJS.ReadableStream;
  output: NodeJS.WritableStream;
}

export async function interview(defaults: InitAnswers, io: InterviewIO): Promise<InitAnswers> {
  const rl = createInterface({ input: io.input, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  const answers: InitAnswers = { ...defaults };
  try {
    for (const question of QUESTIONS) {
      if (question.when && !question.when(answers)) continue;
      const q = question as Question<keyof InitAnswers>;
      for (;;) {
        io.output.write(`${q.prompt} [${q.show(answers[q.key])}]: `);
        const next = await lines.next();
        if (next.done) {
          io.output.write('\n');
          return answers;
        }
        const text = String(next.value).trim();
        if (text === '') break;
        const parsed = q.parse(text);
        if (typeof parsed === 'string') {
          io.output.write(`  ${parsed}\n`);
          continue;
        }
        (answers as unknown as Record<string, unknown>)[q.key] = parsed.value;
        break;
      }
    }
    return answers;
  } finally {
    rl.close();
  }
}
