/*
 * The run half of the Jenkins stub DSL (see jenkins-stub-dsl.groovy, whose imports and
 * builders this file uses: the harness evaluates the two as one script).
 */
/** One event as Jenkins sees it. */
class Scenario {
    Map env = [:]
    Map params = [:]
    List<String> causes = []
    List<String> changeset = []
    boolean previousBuild = true
    Map shOutputs = [:]
    Map failures = [:]
    String previousSuccessfulCommit

    Map expressionContext() {
        return [env: new HashMap(env), params: params, currentBuild: [previousBuild: previousBuild ? [number: 1] : null]]
    }

    Scenario withEnv(Map stageEnv) {
        return new Scenario(env: stageEnv, params: params, causes: causes, changeset: changeset, previousBuild: previousBuild,
                            shOutputs: shOutputs, failures: failures, previousSuccessfulCommit: previousSuccessfulCommit)
    }
}

/** A step that ends its stage with a result other than SUCCESS (error, a timeout, an injected failure). */
class StepFailure extends RuntimeException {
    String result
    StepFailure(String result, String message) { super(message); this.result = result }
}

/** What one scenario's run did. */
class Outcome {
    List<String> ran = []
    Map<String, String> results = [:]
    List<String> posts = []
    List<String> locks = []
    List<String> inputs = []
    List<Map> executed = []
    String build = 'SUCCESS'
}

/** Runs step closures, recording each step; `sh` outside a node is an error, as in Jenkins. */
class StepRecorder {
    List<Map> steps = []
    List<String> errors = []
    String where
    boolean inNode
    LayeredEnv env
    List<String> secrets = []
    Scenario scenario
    Outcome outcome
    StepRecorder(String where, boolean inNode, LayeredEnv env, Scenario scenario = null, Outcome outcome = null) {
        this.where = where; this.inNode = inNode; this.env = env; this.scenario = scenario; this.outcome = outcome
    }

    def getProperty(String name) {
        switch (name) {
            case 'env': return env
            case 'params': return [:]
            case 'scm': return '<scm>'
            case 'docker': return [image: { String image -> [inside: { Closure body -> record('docker.inside', [image: image]); nested(body, inNode) }] }]
            case 'currentBuild': return [previousBuild: null]
            default: return metaClass.getProperty(this, name)
        }
    }

    private void record(String step, Map args) { steps << ([step: step, where: where] + (Map) Dsl.plain(args)) }
    private Object nested(Closure body, boolean node) {
        boolean outer = inNode
        inNode = node
        try { return Dsl.call(body, this) } finally { inNode = outer }
    }

    def sh(Map args) {
        if (!inNode) errors << "${where}: sh outside a node (agent none) cannot run"
        if (!(args.script instanceof String)) throw new DslError("${where}: sh script is ${args.script?.getClass()}, not a plain String")
        // A step sees every credential in scope: withCredentials' bindings and `environment { X = credentials('id') }`
        // of the pipeline or an enclosing stage (jenkins.io/doc/book/pipeline/jenkinsfile/#handling-credentials).
        Map all = env.snapshot()
        List seen = (secrets + all.values().collect { v -> (v.toString() =~ /^<credentials (.+)>$/).with { m -> m.matches() ? m.group(1) : null } }.findAll { it != null }).unique()
        record('sh', [script: args.script, label: args.label, secrets: seen, returnStdout: args.returnStdout == true])
        if (outcome != null) {
            Map visible = all.findAll { k, v -> k.toString() ==~ /MLGEN_.*|VIRTUAL_ENV|PATH\+.*|DOCKER_CONFIG/ }
            outcome.executed << [where: where, label: args.label, script: args.script, secrets: seen, env: visible]
        }
        if (args.returnStdout) return scenario?.shOutputs?.get(args.label) ?: ''
        return null
    }
    def sh(String script) { sh([script: script]) }
    def echo(String message) { record('echo', [message: message]) }
    /** Fails the stage in a run; describing a file (no outcome) records it and goes on, as for every step. */
    def error(String message) {
        record('error', [message: message])
        if (outcome != null) throw new StepFailure('FAILURE', message)
    }
    def sleep(Map args) { record('sleep', args) }
    def stash(Map args) { record('stash', args) }
    def unstash(String name) { record('unstash', [name: name]) }
    def deleteDir() { record('deleteDir', [:]) }
    def milestone(Map args) { record('milestone', args) }
    def archiveArtifacts(Map args) { record('archiveArtifacts', args) }
    def junit(Map args) { record('junit', args) }
    def publishHTML(Map args) { record('publishHTML', (Map) args.target) }
    def checkout(Object scm) {
        record('checkout', [:])
        return [GIT_COMMIT: env.GIT_COMMIT ?: Runner.COMMIT, GIT_PREVIOUS_SUCCESSFUL_COMMIT: scenario?.previousSuccessfulCommit]
    }
    def string(Map args) { return [type: 'string', credentialsId: args.credentialsId, variable: args.variable] }
    def usernamePassword(Map args) {
        return [type: 'usernamePassword', credentialsId: args.credentialsId, variables: [args.usernameVariable, args.passwordVariable]]
    }
    def withCredentials(List bindings, Closure body) {
        List ids = bindings.collect { it.credentialsId }
        record('withCredentials', [credentials: ids])
        def saved = env
        List savedSecrets = secrets
        Map values = [:]
        bindings.each { Map b -> (b.variables ?: [b.variable]).each { values[it] = "<secret ${b.credentialsId}>".toString() } }
        env = env.child(values)
        secrets = secrets + ids
        try { return nested(body, inNode) } finally { env = saved; secrets = savedSecrets }
    }
    def withEnv(List entries, Closure body) {
        record('withEnv', [entries: entries.collect { it.toString() }])
        def saved = env
        Map values = [:]
        entries.each { e -> String t = e.toString(); int i = t.indexOf('='); values[t.substring(0, i)] = t.substring(i + 1) }
        env = env.child(values)
        try { return nested(body, inNode) } finally { env = saved }
    }
    def node(String label, Closure body) { record('node', [label: label]); onNode(body) }
    def node(Closure body) { record('node', [label: null]); onNode(body) }
    private Object onNode(Closure body) {
        def saved = env
        env = env.child([WORKSPACE: '/workspace'])
        try { return nested(body, true) } finally { env = saved }
    }
    def script(Closure body) { nested(body, inNode) }
    def timeout(Map args, Closure body) { record('timeout', args); nested(body, inNode) }
    def methodMissing(String name, Object args) { throw new DslError("${where}: unknown step ${name}") }
}

class Runner extends DeclarativeRun {
    static final String COMMIT = '0123456789abcdef0123456789abcdef01234567'

    static Map defaults(Pipeline p) { p.parameters.collectEntries { [(it.name): it.default] } }

    static Map environment(Closure body, Map env, Map params) {
        if (body == null) return [:]
        def b = new EnvironmentBuilder(env, params)
        Dsl.call(body, b)
        return b.values
    }

    /** Runs one scenario: which stages ran, their results, the post blocks, locks, inputs and executed sh steps. */
    static Outcome run(Pipeline p, Scenario s) {
        Map params = defaults(p) + s.params
        Map global = new HashMap(s.env)
        global.putAll(environment(p.environment, global, params))
        Outcome o = new Outcome()
        o.build = walk(p.stages, global, [:], params, s, o, false)
        runPost(p.post, o.build, 'pipeline', new LayeredEnv(global, [:]), s, o)
        return o
    }

    static String walk(List<Stage> stages, Map global, Map inherited, Map params, Scenario s, Outcome o, boolean parallel) {
        String result = 'SUCCESS'
        for (Stage stage : stages) {
            // A failed or aborted sequential stage skips the ones after it; parallel branches all run.
            if (!parallel && result in ['FAILURE', 'ABORTED']) continue
            result = worse(result, runStage(stage, global, inherited, params, s, o))
        }
        return result
    }

    static String runStage(Stage stage, Map global, Map inherited, Map params, Scenario s, Outcome o) {
        Map visible = new HashMap(global)
        visible.putAll(inherited)
        // The stage's own environment applies after its when (see DeclarativeRun.whenPasses).
        Map when = evaluateWhen(stage.when)
        boolean passes = whenPasses(when, s.withEnv(new HashMap(visible)))
        Map own = new HashMap(inherited)
        if (passes) own.putAll(environment(stage.environment, visible, params))
        visible.putAll(own)
        Map flags = when?.flags ?: [:]
        if (stage.options.any { it.name == 'lock' } && (passes || !flags.beforeOptions)) o.locks << stage.name
        if (stage.input != null && (passes || !flags.beforeInput)) o.inputs << stage.name
        if (!passes) return 'SUCCESS'
        o.ran << stage.name
        String result = 'SUCCESS'
        boolean node = stage.agent != null && stage.agent.kind != 'none'
        LayeredEnv env = new LayeredEnv(global, own + (node ? [GIT_COMMIT: COMMIT, WORKSPACE: '/workspace'] : [:]))
        try {
            String injected = s.failures[stage.name]
            if (injected) throw new StepFailure(injected, "${stage.name}: ${injected} (injected)")
            if (stage.steps != null) Dsl.call(stage.steps, new StepRecorder(stage.name, node, env, s, o))
        } catch (StepFailure f) {
            result = f.result
        }
        if (result == 'SUCCESS' && stage.parallel != null) result = walk(stage.parallel, global, own, params, s, o, true)
        if (result == 'SUCCESS' && stage.stages != null) result = walk(stage.stages, global, own, params, s, o, false)
        o.results[stage.name] = result
        runPost(stage.post, result, stage.name, env, s, o)
        return result
    }

    static void runPost(Map<String, Closure> post, String result, String where, LayeredEnv env, Scenario s, Outcome o) {
        for (String condition : POST_ORDER) {
            Closure body = post[condition]
            if (body == null || !postApplies(condition, result)) continue
            o.posts << "${where}:${condition}".toString()
            try { Dsl.call(body, new StepRecorder("${where} post ${condition}", false, env, s, o)) } catch (StepFailure ignored) { }
        }
    }

    static Map describeStage(Stage stage, Map env, Map params, boolean parentNode, List<String> errors) {
        Map stageEnv = new HashMap(env)
        Map own = environment(stage.environment, stageEnv, params)
        stageEnv.putAll(own)
        boolean node = parentNode || (stage.agent != null && stage.agent.kind != 'none')
        Map when = evaluateWhen(stage.when)
        Map out = [name: stage.name, agent: stage.agent, options: stage.options, input: stage.input, environment: own]
        if (when != null) out.when = [flags: when.flags, conditions: when.conditions*.describe()]
        Map nodeEnv = node ? stageEnv + [GIT_COMMIT: COMMIT] : stageEnv
        if (stage.steps != null) {
            def r = new StepRecorder(stage.name, node, new LayeredEnv(new HashMap(), new HashMap(nodeEnv)))
            Dsl.call(stage.steps, r)
            out.steps = r.steps
            errors.addAll(r.errors)
        }
        if (stage.parallel != null) out.parallel = stage.parallel.collect { describeStage(it, stageEnv, params, node, errors) }
        if (stage.stages != null) out.stages = stage.stages.collect { describeStage(it, stageEnv, params, node, errors) }
        out.post = stage.post.collectEntries { String condition, Closure body ->
            def r = new StepRecorder("${stage.name} post ${condition}", node, new LayeredEnv(new HashMap(), new HashMap(nodeEnv)))
            Dsl.call(body, r)
            errors.addAll(r.errors)
            [(condition): r.steps]
        }
        return out
    }

    static Map describe(Pipeline p) {
        Map params = defaults(p)
        Map env = environment(p.environment, [:], params)
        List<String> errors = []
        def stages = p.stages.collect { describeStage(it, env, params, p.agent?.kind != 'none', errors) }
        Map post = p.post.collectEntries { String condition, Closure body ->
            def r = new StepRecorder("post ${condition}", p.agent?.kind != 'none', new LayeredEnv(new HashMap(), env + [GIT_COMMIT: COMMIT]))
            Dsl.call(body, r)
            errors.addAll(r.errors)
            [(condition): r.steps]
        }
        return [agent: p.agent, options: p.options, parameters: p.parameters, triggers: p.triggers, environment: env,
                stages: stages, post: post, errors: errors]
    }

    static List<String> scriptsOf(Map described) {
        List<String> scripts = []
        Closure collectSteps
        collectSteps = { List steps -> steps.findAll { it.step == 'sh' }.each { scripts << it.script } }
        Closure collectStage
        collectStage = { Map stage ->
            if (stage.steps) collectSteps(stage.steps)
            (stage.parallel ?: []).each { collectStage(it) }
            (stage.stages ?: []).each { collectStage(it) }
            stage.post.values().each { collectSteps(it) }
        }
        described.stages.each { collectStage(it) }
        described.post.values().each { collectSteps(it) }
        return scripts
    }
}

def request = new JsonSlurper().parse(new File(args[0]), 'UTF-8')
def results = request.files.collect { Map file ->
    try {
        Pipeline p = Runner.parse(new File(file.path))
        Map described = Runner.describe(p)
        Map outcomes = (file.scenarios ?: []).collectEntries { Map sc ->
            def s = new Scenario(env: sc.env ?: [:], params: sc.params ?: [:], causes: sc.causes ?: [], changeset: sc.changeset ?: [],
                                 previousBuild: sc.previousBuild != false, shOutputs: sc.shOutputs ?: [:], failures: sc.failures ?: [:],
                                 previousSuccessfulCommit: sc.previousSuccessfulCommit)
            Outcome o = Runner.run(p, s)
            // ranOnly: the caller needs only which stages ran (a conformance batch of thousands).
            sc.ranOnly ? [(sc.id): [ran: o.ran]]
                       : [(sc.id): [ran: o.ran, results: o.results, posts: o.posts, locks: o.locks, inputs: o.inputs, executed: o.executed, build: o.build]]
        }
        Map runs = outcomes.collectEntries { k, v -> [(k): v.ran] }
        [path: file.path, pipeline: Dsl.plain(described), scripts: Runner.scriptsOf(described), runs: runs, outcomes: Dsl.plain(outcomes)]
    } catch (Throwable e) {
        [path: file.path, error: "${e.getClass().simpleName}: ${e.message}".toString()]
    }
}
System.out.withWriter('UTF-8') { it << JsonOutput.toJson([files: results]) }
