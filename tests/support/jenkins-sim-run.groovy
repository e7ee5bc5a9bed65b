/*
 * The Jenkins simulator's run: declarative stages in order with their when/options/input/agent,
 * results, post conditions, and the JSON request/response (harness-jenkins-sim.ts).
 * Sources: jenkins.io/doc/book/pipeline/syntax/ (the sections named at each rule).
 */
class Runner extends DeclarativeRun {
    /** workflow-basic-steps/#timeout-enforce-time-limit: `time` in `unit`, MINUTES by default. */
    static long millis(Map args) {
        long time = (args.time ?: 0) as long
        switch (args.unit ?: 'MINUTES') {
            case 'SECONDS': return time * 1000
            case 'HOURS': return time * 3600_000
            case 'DAYS': return time * 86400_000
            default: return time * 60_000
        }
    }

    /**
     * syntax/#environment: values as Groovy computes them; `credentials('id')` of a Secret text
     * binds its value (jenkins.io/doc/book/pipeline/jenkinsfile/#handling-credentials).
     */
    static Map environment(Closure body, Map env, Map params, Scenario s) {
        if (body == null) return [:]
        def b = new EnvironmentBuilder(env, params)
        Dsl.call(body, b)
        return b.values.collectEntries { k, v ->
            def m = v =~ /^<credentials (.+)>$/
            if (!m.matches()) return [(k): v]
            String id = m.group(1)
            if (!s.credentials.containsKey(id)) throw new SimFailure('FAILURE', "Could not find credentials entry with ID '${id}'")
            return [(k): s.credentials[id]]
        }
    }

    Pipeline p
    Build build
    Map params
    Map global
    boolean defaultCheckout

    Runner(Pipeline p, Scenario s) {
        this.p = p
        build = new Build(s)
        params = p.parameters.collectEntries { [(it.name): it.default] } + s.params
        global = new HashMap(s.env)
        global.putAll([JOB_NAME: 'mlgen-sim', BUILD_NUMBER: Build.BUILD_NUMBER])
        // syntax/#options skipDefaultCheckout: without it, every agent allocation checks out scm first.
        defaultCheckout = !p.options.any { it.name == 'skipDefaultCheckout' }
    }

    Outcome run() {
        Outcome o = build.outcome
        Workspace top = null
        LayeredEnv env
        String result = 'SUCCESS'
        try {
            global.putAll(environment(p.environment, new HashMap(global), params, build.scenario))
            env = new LayeredEnv(global, [:])
            if (p.agent != null && p.agent.kind != 'none') { top = allocate('pipeline', p.agent); global.WORKSPACE = top.dir.path }
            result = walk(p.stages, [:], top, 0, false)
        } catch (SimFailure f) {
            result = f.result
            o.errors.pipeline = f.message
            env = new LayeredEnv(global, [:])
        }
        result = runPost(p.post, result, 'pipeline', top, env)
        o.build = result
        return o
    }

    Workspace allocate(String where, Map agent) {
        Workspace ws = build.allocate(where, agent)
        if (defaultCheckout) build.checkout(ws)
        return ws
    }

    /** syntax/#sequential-stages: a failed or aborted stage skips the ones after it; syntax/#parallel: branches all run. */
    String walk(List<Stage> stages, Map inherited, Workspace ws, long deadline, boolean parallel) {
        String result = 'SUCCESS'
        for (Stage stage : stages) {
            // Parallel branches run one after another here (2 cores); their results combine as Jenkins combines them.
            if (!parallel && result in ['FAILURE', 'ABORTED']) continue
            result = worse(result, runStage(stage, inherited, ws, deadline))
        }
        return result
    }

    String runStage(Stage stage, Map inherited, Workspace parentWs, long parentDeadline) {
        Outcome o = build.outcome
        Map visible = new HashMap(global)
        visible.putAll(inherited)
        // The stage's own environment applies after its when (see DeclarativeRun.whenPasses).
        Map when = evaluateWhen(stage.when)
        boolean passes = whenPasses(when, build.scenario.withEnv(new HashMap(visible)))
        Map own = new HashMap(inherited)
        if (passes) own.putAll(environment(stage.environment, visible, params, build.scenario))
        visible.putAll(own)
        Map flags = when?.flags ?: [:]
        Map lock = stage.options.find { it.name == 'lock' }?.args?.getAt(0)
        Map timeout = stage.options.find { it.name == 'timeout' }?.args?.getAt(0)
        String result = 'SUCCESS'
        Workspace ws = parentWs
        LayeredEnv env = new LayeredEnv(global, own)
        try {
            // syntax/#when "beforeOptions": by default when is evaluated after entering the stage's options
            // (a lock is taken, a timeout starts); "beforeInput": after the input; "beforeAgent": after the agent.
            if (lock && (passes || !flags.beforeOptions)) o.locks << [resource: lock.resource, stage: stage.name, inversePrecedence: lock.inversePrecedence == true]
            if (!passes && flags.beforeOptions) return 'SUCCESS'
            long deadline = parentDeadline
            Number limit = build.scenario.timeLimits[stage.name]
            if (timeout || limit != null) {
                long mine = System.currentTimeMillis() + (limit != null ? (long) (limit * 1000) : millis(timeout))
                deadline = deadline > 0 ? Math.min(deadline, mine) : mine
            }
            if (stage.input != null && (passes || !flags.beforeInput)) ask(stage)
            if (!passes && flags.beforeInput) return 'SUCCESS'
            if (stage.agent != null && stage.agent.kind != 'none' && (passes || !flags.beforeAgent)) ws = allocate(stage.name, stage.agent)
            if (!passes) return 'SUCCESS'
            // jenkins.io/doc/book/pipeline/jenkinsfile/#using-environment-variables: WORKSPACE is the allocated workspace's path.
            if (ws != null) env = env.child([WORKSPACE: ws.dir.path])
            o.ran << stage.name
            try {
                if (stage.steps != null) {
                    def steps = new Steps(build, stage.name, ws, env, params)
                    steps.deadline = deadline
                    Dsl.call(stage.steps, steps)
                    if (steps.unstable) result = 'UNSTABLE'
                }
                if (stage.parallel != null) result = walk(stage.parallel, own, ws, deadline, true)
                if (stage.stages != null) result = walk(stage.stages, own, ws, deadline, false)
            } catch (SimFailure f) {
                result = f.result
                o.errors[stage.name] = f.message
            } catch (DslError | MissingPropertyException | NullPointerException e) {
                result = 'FAILURE'
                o.errors[stage.name] = "${e.getClass().simpleName}: ${e.message}".toString()
            }
        } catch (SimFailure f) {
            // The input was aborted before the stage ran (its when came after the input).
            if (!o.ran.contains(stage.name)) o.ran << stage.name
            result = f.result
            o.errors[stage.name] = f.message
        }
        o.results[stage.name] = result
        return runPost(stage.post, result, stage.name, ws, env)
    }

    /**
     * syntax/#input and jenkins.io/doc/pipeline/steps/pipeline-input-step/: the stage waits for a
     * person; Proceed continues, Abort (or the stage's timeout) ends it with FlowInterruptedException: ABORTED.
     */
    void ask(Stage stage) {
        String answer = build.scenario.inputs[stage.name]
        build.outcome.inputs << [stage: stage.name, message: stage.input.message, ok: stage.input.ok, submitter: stage.input.submitter, answer: answer]
        if (answer == 'approve') return
        if (answer == null) throw new SimFailure('ABORTED', "${stage.name}: input '${stage.input.message}' got no answer from the test (it would wait until its timeout)")
        throw new SimFailure('ABORTED', "${stage.name}: Rejected by the test")
    }

    /** Post conditions in the documented order; a failing post block makes the result FAILURE (syntax/#post). */
    String runPost(Map<String, Closure> post, String result, String where, Workspace ws, LayeredEnv env) {
        String after = result
        for (String condition : POST_ORDER) {
            Closure body = post[condition]
            if (body == null || !postApplies(condition, result)) continue
            build.outcome.posts << "${where}:${condition}".toString()
            try {
                def steps = new Steps(build, "${where} post ${condition}".toString(), ws, env, params)
                Dsl.call(body, steps)
                if (steps.unstable) after = worse(after, 'UNSTABLE')
            } catch (SimFailure | DslError f) {
                build.outcome.errors["${where} post ${condition}".toString()] = f.message
                after = worse(after, 'FAILURE')
            }
        }
        return after
    }
}

def request = new JsonSlurper().parse(new File(args[0]), 'UTF-8')
// Installs the test already made with the same command into a fresh venv (see Installs): replayed like the sim's own.
(request.seedInstalls ?: []).each { Map seed -> Installs.templates[Installs.key(new File(seed.requirements))] = new File(seed.venv) }
def results = request.scenarios.collect { Map sc ->
    long start = System.currentTimeMillis()
    try {
        Pipeline p = Runner.parse(new File(sc.jenkinsfile))
        def s = new Scenario(env: sc.env ?: [:], params: sc.params ?: [:], causes: sc.causes ?: [], changeset: sc.changeset ?: [],
                             previousBuild: sc.previousBuild != false, repo: sc.repo, commit: sc.commit,
                             previousSuccessfulCommit: sc.previousSuccessfulCommit, agentEnv: sc.agentEnv ?: [:],
                             credentials: sc.credentials ?: [:], inputs: sc.inputs ?: [:], timeLimits: sc.timeLimits ?: [:],
                             root: sc.root, replayInstalls: sc.replayInstalls != false)
        Outcome o = new Runner(p, s).run()
        [id: sc.id, seconds: (System.currentTimeMillis() - start) / 1000.0, outcome: Dsl.plain(o.properties.findAll { k, v -> k != 'class' })]
    } catch (Throwable e) {
        [id: sc.id, error: "${e.getClass().simpleName}: ${e.message}".toString()]
    }
}
System.out.withWriter('UTF-8') { it << JsonOutput.toJson([scenarios: results]) }
