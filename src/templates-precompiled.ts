/**
 * Templates precompiled at build time. This source is the empty fallback that `tsc` emits;
 * `npm run build` replaces dist/templates-precompiled.js (and the bundle's copy) with the
 * output of scripts/build-templates.mjs, which precompiles templates/**\/*.hbs.
 */
export interface PrecompiledTemplate {
  /** The template's text when it was precompiled: the precompiled form is used only while the file still reads the same. */
  source: string;
  /** Handlebars.precompile's output, evaluated. */
  spec: TemplateSpecification;
}

export const PRECOMPILED: Readonly<Record<string, PrecompiledTemplate>> = {};
