/*
 * The steps of the Jenkins simulator: the delegate of every `steps`, `post` and `script` block.
 * Each runs for real on the stage's workspace (jenkins-sim-node.groovy) or is recorded where
 * nothing here can run it (lock holders, milestones, sleeps on a virtual clock).
 */
class Steps {
    Build build
    String where
    Workspace ws
    LayeredEnv env
    Map params
    /** Credential IDs bound around the current step, and their variables' values. */
    List<String> bound = []
    /** Epoch milliseconds by which the innermost timeout ends the body; 0: none. */
    long deadline = 0
    /** Seconds `sleep` waited on the virtual clock, counted against the innermost timeout. */
    long virtualMillis = 0

    Steps(Build build, String where, Workspace ws, LayeredEnv env, Map params) {
        this.build = build; this.where = where; this.ws = ws; this.env = env; this.params = params
    }

    def getProperty(String name) {
        switch (name) {
            case 'env': return env
            case 'params': return params
            case 'scm': return '<scm>'
            case 'currentBuild': return [previousBuild: build.scenario.previousBuild ? [number: 1] : null, number: Build.BUILD_NUMBER]
            default: return metaClass.getProperty(this, name)
        }
    }

    private Object body(Closure c) { return Dsl.call(c, this) }

    private Workspace need(String step) {
        // A step that needs a workspace outside one: Jenkins' MissingContextVariableException (hudson.FilePath), a failure.
        if (ws == null) throw new SimFailure('FAILURE', "${where}: ${step} needs a node: Required context class hudson.FilePath is missing")
        return ws
    }

    /**
     * The environment a process sees (jenkins.io/doc/pipeline/steps/workflow-basic-steps/#withenv-set-environment-variables):
     * the agent's variables, the run's, then the block's; `PATH+NAME=dir` prepends dir to PATH.
     */
    Map processEnv() {
        Map out = new HashMap(build.scenario.agentEnv)
        Map mine = env.snapshot()
        List<String> prepends = []
        mine.each { k, v ->
            String key = k.toString()
            if (key.startsWith('PATH+')) prepends << v.toString() else out[key] = v
        }
        if (prepends) out.PATH = (prepends.reverse() + [out.PATH ?: '/usr/bin:/bin']).join(':')
        out.WORKSPACE = ws?.dir?.path
        // jenkins.io/doc/book/pipeline/jenkinsfile/#using-environment-variables: BUILD_TAG, and STAGE_NAME in declarative stages.
        out.BUILD_NUMBER = Build.BUILD_NUMBER
        out.BUILD_TAG = "jenkins-mlgen-sim-${Build.BUILD_NUMBER}".toString()
        out.STAGE_NAME = where.split(' post ')[0]
        return out
    }

    def sh(Map args) {
        Workspace w = need('sh')
        if (!(args.script instanceof String)) throw new DslError("${where}: sh script is ${args.script?.getClass()}, not a plain String")
        String script = (String) args.script
        Map penv = processEnv()
        Map record = [where: where, label: args.label, script: script, secrets: new ArrayList(bound),
                      env: penv.findAll { k, v -> k.toString() ==~ /MLGEN_.*|VIRTUAL_ENV|CHANGE_.*|BRANCH_NAME/ }]
        // The secrets a process could read: a bound credential's value in any variable.
        Map secretValues = build.scenario.credentials
        record.secretsSeen = secretValues.findAll { id, value -> penv.values().any { it?.toString() == value } }.keySet().sort()
        if (replayed(script, w, record)) return null
        String venvDir = build.scenario.replayInstalls ? Venvs.target(script) : null
        String python3 = venvDir != null ? Venvs.python3On((String) penv.PATH) : null
        if (python3 != null && Venvs.replay(python3, new File(w.dir, venvDir))) {
            record.status = 0
            record.seconds = 0
            record.replayed = true
            build.outcome.executed << record
            return null
        }
        Map r = build.sh(w, script, penv, deadline)
        record.status = r.status
        record.seconds = r.seconds
        record.output = tail(r.log + (args.returnStdout ? '' : r.stdout))
        build.outcome.executed << record
        String rememberAs = record.remove('rememberAs')
        if (rememberAs && r.status == 0) Installs.remember(rememberAs, new File((String) penv.VIRTUAL_ENV), build.root.parentFile)
        if (python3 != null && r.status == 0 && new File(w.dir, venvDir).isDirectory()) Venvs.remember(python3, new File(w.dir, venvDir), build.root.parentFile)
        if (r.timedOut) throw new SimFailure('ABORTED', "${where}: Timeout has been exceeded (sh: ${args.label ?: script.take(40)})")
        if (args.returnStatus) return r.status
        if (r.status != 0) throw new SimFailure('FAILURE', "${where}: script returned exit code ${r.status} (${args.label ?: script.take(40)})")
        return args.returnStdout ? r.stdout : null
    }
    def sh(String script) { sh([script: script]) }

    private static String tail(String text) { text.length() > 6000 ? '…' + text.substring(text.length() - 6000) : text }

    /** `pip install -r FILE` (the manifests' install) into a fresh venv: see Installs (and Venvs for the venv itself). */
    private boolean replayed(String script, Workspace w, Map record) {
        def m = script =~ /^(?:python3 -m )?pip install -r (\S+)$/
        if (!m.matches()) return false
        String venvPath = processEnv().VIRTUAL_ENV
        File requirements = new File(w.dir, m.group(1))
        if (venvPath == null || !requirements.isFile()) return false
        File venv = new File(venvPath)
        String key = Installs.key(requirements)
        File template = Installs.templates[key]
        if (template == null || !build.scenario.replayInstalls || !Installs.replay(template, venv)) {
            if (Installs.freshSitePackages(venv) != null) record.rememberAs = key
            return false
        }
        record.status = 0
        record.seconds = 0
        record.replayed = true
        build.outcome.executed << record
        return true
    }

    def echo(String message) { build.outcome.executed << [where: where, step: 'echo', message: message] }
    def error(String message) { throw new SimFailure('FAILURE', "${where}: ${message}") }

    /** workflow-basic-steps/#sleep-sleep: waits; here on a virtual clock, so a 20-minute soak costs nothing but counts toward a timeout. */
    def sleep(Map args) {
        long seconds = ((args.time ?: 0) as long) * (args.unit == 'MINUTES' ? 60 : args.unit == 'HOURS' ? 3600 : 1)
        build.outcome.sleeps << [where: where, seconds: seconds]
        virtualMillis += seconds * 1000
        if (deadline > 0 && System.currentTimeMillis() + virtualMillis > deadline) throw new SimFailure('ABORTED', "${where}: Timeout has been exceeded (sleep)")
    }
    def sleep(Number seconds) { sleep([time: seconds]) }

    def stash(Map args) { build.stash(need('stash'), args) }
    def unstash(String name) { build.unstash(need('unstash'), name, where) }
    def unstash(Map args) { unstash((String) args.name) }
    /** workflow-basic-steps/#deletedir-recursively-delete-the-current-directory-from-the-workspace. */
    def deleteDir() { File d = need('deleteDir').dir; d.deleteDir(); d.mkdirs() }

    /** The workspace's files an Ant pattern list matches (comma-separated, Ant's default excludes apply). */
    private static List<String> matching(Workspace w, String patterns) {
        def scanner = new DirectoryScanner()
        scanner.basedir = w.dir
        scanner.includes = patterns.split(',')*.trim() as String[]
        scanner.addDefaultExcludes()
        scanner.scan()
        return scanner.includedFiles.collect { it.replace('\\', '/') }.sort()
    }

    /** archiveArtifacts (jenkins.io/doc/pipeline/steps/core/#archiveartifacts-archive-the-artifacts): no match fails unless allowEmptyArchive. */
    def archiveArtifacts(Map args) {
        Workspace w = need('archiveArtifacts')
        List<String> files = matching(w, (String) args.artifacts)
        if (files.isEmpty() && !args.allowEmptyArchive) throw new SimFailure('FAILURE', "${where}: No artifacts found that match the file pattern \"${args.artifacts}\"")
        files.each { Build.copy(new File(w.dir, it), new File(build.root, "archive/${it}")) }
        build.outcome.archived << [where: where, files: files]
    }

    /**
     * publishHTML (HTML Publisher, jenkins.io/doc/pipeline/steps/htmlpublisher/): `target.reportDir`
     * in the workspace is copied to the build as the report `reportName`; a missing directory or
     * index page fails the build unless allowMissing; only the plugin's documented keys are accepted.
     */
    def publishHTML(Map args) {
        Workspace w = need('publishHTML')
        Map target = (Map) args.target
        def known = ['reportDir', 'reportFiles', 'reportName', 'allowMissing', 'alwaysLinkToLastBuild', 'keepAll', 'includes', 'escapeUnderscores', 'reportTitles', 'useWrapperFileDirectly']
        def unknown = target.keySet().findAll { !(it in known) }
        if (!unknown.isEmpty()) throw new SimFailure('FAILURE', "${where}: publishHTML has no parameter ${unknown}")
        ['reportDir', 'reportFiles', 'reportName'].each { if (!target[it]) throw new SimFailure('FAILURE', "${where}: publishHTML needs ${it}") }
        File dir = new File(w.dir, (String) target.reportDir)
        List<String> pages = ((String) target.reportFiles).split(',')*.trim().findAll { new File(dir, it).isFile() }
        if (pages.isEmpty() && !target.allowMissing) throw new SimFailure('FAILURE', "${where}: Specified HTML directory '${dir}' does not exist or has no ${target.reportFiles}.")
        pages.each { Build.copy(new File(dir, it), new File(build.root, "htmlreports/${target.reportName}/${it}")) }
        build.outcome.published << [where: where, name: target.reportName, pages: pages]
    }

    /** Set by a step that leaves the stage UNSTABLE without ending it (junit with failed tests). */
    boolean unstable = false

    /**
     * junit (jenkins.io/doc/pipeline/steps/junit/#junit-archive-junit-formatted-test-results):
     * the reports `testResults` matches; none found fails the step unless allowEmptyResults; a
     * test case that failed or errored marks the stage and the build UNSTABLE.
     */
    def junit(Map args) {
        Workspace w = need('junit')
        List<String> files = matching(w, (String) args.testResults)
        if (files.isEmpty() && !args.allowEmptyResults) throw new SimFailure('FAILURE', "${where}: No test report files were found. Configuration error?")
        int total = 0
        List<String> failed = []
        files.each { String path ->
            def report = new XmlSlurper().parse(new File(w.dir, path))
            report.depthFirst().findAll { it.name() == 'testcase' }.each { c ->
                total++
                if (c.children().any { it.name() in ['failure', 'error'] }) failed << c.@name.text()
            }
        }
        build.outcome.tests << [where: where, files: files, total: total, failed: failed]
        if (!failed.isEmpty()) unstable = true
    }
    def junit(String testResults) { junit([testResults: testResults]) }

    /** jenkins.io/doc/pipeline/steps/pipeline-milestone-step/: recorded (one build here, so none is older to abort). */
    def milestone(Map args) { build.outcome.milestones << [where: where, ordinal: args.ordinal, label: args.label] }

    def checkout(Object scm) {
        Map vars = build.checkout(need('checkout'))
        build.outcome.executed << [where: where, step: 'checkout', commit: vars.GIT_COMMIT]
        return vars
    }

    def string(Map args) { return [type: 'string', credentialsId: args.credentialsId, variable: args.variable] }
    def usernamePassword(Map args) {
        return [type: 'usernamePassword', credentialsId: args.credentialsId, usernameVariable: args.usernameVariable, passwordVariable: args.passwordVariable]
    }

    /**
     * jenkins.io/doc/pipeline/steps/credentials-binding/: each binding sets its variables for the
     * body only; a credential ID the store lacks fails the step (CredentialNotFoundException).
     */
    def withCredentials(List bindings, Closure c) {
        Map values = [:]
        bindings.each { Map b ->
            String id = b.credentialsId
            if (!build.scenario.credentials.containsKey(id)) throw new SimFailure('FAILURE', "${where}: Could not find credentials entry with ID '${id}'")
            String secret = build.scenario.credentials[id]
            if (b.type == 'usernamePassword') { values[b.usernameVariable] = "${id}-user".toString(); values[b.passwordVariable] = secret }
            else values[b.variable] = secret
        }
        def savedEnv = env
        List savedBound = bound
        env = env.child(values)
        bound = bound + bindings.collect { it.credentialsId }
        try { return body(c) } finally { env = savedEnv; bound = savedBound }
    }

    def withEnv(List entries, Closure c) {
        Map values = [:]
        entries.each { e -> String t = e.toString(); int i = t.indexOf('='); values[t.substring(0, i)] = t.substring(i + 1) }
        def saved = env
        env = env.child(values)
        try { return body(c) } finally { env = saved }
    }

    /** jenkins.io/doc/pipeline/steps/workflow-durable-task-step/#node-allocate-node: a workspace of its own for the body. */
    def node(String label, Closure c) { onNode([label: label], c) }
    def node(Closure c) { onNode([:], c) }
    private Object onNode(Map agent, Closure c) {
        Workspace saved = ws
        def savedEnv = env
        ws = build.allocate(where, agent)
        env = env.child([WORKSPACE: ws.dir.path])
        try { return body(c) } finally { ws = saved; env = savedEnv }
    }

    def script(Closure c) { body(c) }

    /**
     * workflow-basic-steps/#timeout-enforce-time-limit: the body is interrupted when the time is up;
     * the interruption is a FlowInterruptedException and the build ends ABORTED (not FAILURE).
     */
    def timeout(Map args, Closure c) { withDeadline(Runner.millis(args), c) }

    Object withDeadline(long millis, Closure c) {
        long saved = deadline
        long savedVirtual = virtualMillis
        long mine = System.currentTimeMillis() + millis
        deadline = saved > 0 ? Math.min(saved, mine) : mine
        virtualMillis = 0
        try { return body(c) } finally { deadline = saved; virtualMillis = savedVirtual + virtualMillis }
    }

    def methodMissing(String name, Object args) { throw new DslError("${where}: unknown step ${name}") }
}
