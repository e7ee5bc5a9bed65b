/** The part of the `jenkins` package (CommonJS, untyped) that mlgen uses. */
declare module 'jenkins' {
  export interface JenkinsCrumb {
    headerName?: string;
    headerValue?: string;
    cookies?: string[];
  }

  export interface JenkinsOptions {
    baseUrl: string;
    headers?: Record<string, string>;
    /** Called before every POST; its header goes on the request. */
    crumbIssuer?: boolean | ((jenkins: Jenkins) => Promise<JenkinsCrumb>);
    /** Milliseconds, per request. */
    timeout?: number;
  }

  class Jenkins {
    constructor(options: JenkinsOptions);
    info(): Promise<Record<string, unknown>>;
    crumbIssuer: {
      get(): Promise<{ _class?: string; crumb?: string; crumbRequestField?: string; cookies?: string[] }>;
    };
    job: {
      get(name: string): Promise<{ _class?: string; name?: string; url?: string; description?: string | null }>;
      config(name: string): Promise<string>;
      config(name: string, xml: string): Promise<void>;
      create(name: string, xml: string): Promise<void>;
    };
  }

  export default Jenkins;
}
