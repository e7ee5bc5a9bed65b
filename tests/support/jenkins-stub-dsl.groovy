/*
 * A stub of Jenkins' declarative pipeline DSL, for tests: Groovy itself evaluates each
 * Jenkinsfile (so every string is read exactly as Jenkins' Groovy reads it), and the stub
 * records the stage tree, each stage's `when` conditions and every `sh` script.
 *
 * For each scenario (branch, change request, causes, change set, parameters, what `sh` prints,
 * which stage fails how) it runs the pipeline as Jenkins would and reports which stages ran,
 * each stage's result, which post blocks ran, which locks and inputs were taken, and every `sh`
 * that ran with the credentials and MLGEN_* variables it saw. The semantics, with their sources:
 * - `when` (pipeline-model-definition; jenkins.io/doc/book/pipeline/syntax/#when): evaluated
 *   with the run's and the enclosing stages' environment, before the stage's own `environment`
 *   (ModelInterpreter.evaluateStage applies withEnvBlock(stage.getEnvVars) inside the passed
 *   `when`; a skipped stage never evaluates its environment); `changeset` matched with Ant's DirectoryScanner.match like
 *   ChangeSetConditionalScript; `triggeredBy` on cause class names like Utils.shouldRunBeAllowed;
 *   `branch` on BRANCH_NAME; `changeRequest()` on CHANGE_ID, with attributes on CHANGE_* like
 *   ChangeRequestConditional; `expression` on the run's env, including `env.X = ...` assignments
 *   of earlier stages (syntax/#environment: a script's env assignment is global to the run).
 * - Order (syntax/#evaluating-when-before-entering-agent, #evaluating-when-before-the-input-directive,
 *   #evaluating-when-before-the-options-directive): a stage's options (a lock) and input apply
 *   before `when` unless `beforeOptions true` / `beforeInput true`; so a skipped stage without
 *   them still takes its lock or asks its input.
 * - Results (syntax/#post, Result ordinals SUCCESS < UNSTABLE < FAILURE < NOT_BUILT < ABORTED): a
 *   failed or aborted stage skips the sequential stages after it ("skipped due to earlier
 *   failure(s)"), parallel branches all run; a parent has the worst result of its children; the
 *   build the worst of its stages. `timeout` and a rejected or timed-out `input` abort: ABORTED
 *   (workflow-basic-steps TimeoutStepExecution, pipeline-input-step), injected as a failure.
 * - post conditions, in the documented order always, changed, fixed, regression, aborted,
 *   failure, success, unstable, unsuccessful, cleanup: `failure` only for FAILURE, `aborted` only
 *   for ABORTED, `unsuccessful` for anything but SUCCESS ("red, yellow or grey").
 * - `withCredentials` binds its credentials for its body only (credentials-binding).
 *
 * The run half (scenarios, steps, results, post blocks, main) is jenkins-stub-run.groovy; the
 * harness joins the two files into one script (imports stay at the top of this one).
 *
 * Usage: groovy -cp ant.jar <this file + jenkins-stub-run.groovy> request.json   (prints JSON)
 * request: {files: [{path, scenarios: [{id, env, params, causes, changeset, previousBuild,
 *           shOutputs: {label: stdout}, failures: {stage: FAILURE|ABORTED|UNSTABLE},
 *           previousSuccessfulCommit}]}]}
 */
import groovy.json.JsonOutput
import groovy.json.JsonSlurper
import org.apache.tools.ant.DirectoryScanner
import org.codehaus.groovy.control.CompilerConfiguration

class DslError extends RuntimeException {
    DslError(String message) { super(message) }
}

class Dsl {
    static Object call(Closure body, Object delegate) {
        Closure c = (Closure) body.clone()
        c.delegate = delegate
        c.resolveStrategy = Closure.DELEGATE_FIRST
        return c.call()
    }

    static Object plain(Object value) {
        if (value instanceof GString) return value.toString()
        if (value instanceof Map) return value.collectEntries { k, v -> [(k.toString()): plain(v)] }
        if (value instanceof List) return value.collect { plain(it) }
        if (value instanceof Closure) return '<closure>'
        return value
    }
}

/** Records calls like `disableConcurrentBuilds()` or `timeout(time: 1, unit: 'HOURS')`. */
class CallRecorder {
    List calls = []
    def methodMissing(String name, Object args) {
        List list = (args as List)
        // A call used as an argument (logRotator inside buildDiscarder) belongs to its caller.
        list.each { arg -> calls.removeAll { it.is(arg) } }
        def call = [name: name, args: Dsl.plain(list.findAll { !(it instanceof Closure) })]
        calls << call
        return call
    }
}

class ParametersBuilder {
    List parameters = []
    def choice(Map args) { parameters << [type: 'choice', name: args.name, choices: Dsl.plain(args.choices), default: args.choices[0]] }
    def string(Map args) { parameters << [type: 'string', name: args.name, default: args.defaultValue] }
    def booleanParam(Map args) { parameters << [type: 'boolean', name: args.name, default: args.defaultValue] }
    def methodMissing(String name, Object args) { throw new DslError("unknown parameter type ${name}") }
}

class AgentBuilder {
    Map agent = [:]
    def label(String value) { agent.label = value }
    def docker(Closure body) { def d = new AgentBuilder(); Dsl.call(body, d); agent.docker = d.agent }
    def docker(String image) { agent.docker = [image: image] }
    def image(String value) { agent.image = value }
    def args(String value) { agent.args = value }
    def reuseNode(boolean value) { agent.reuseNode = value }
    def methodMissing(String name, Object args) { throw new DslError("unknown agent option ${name}") }
}

/** A `when` condition: its kind, argument and children, evaluated per scenario. */
class Condition {
    String kind
    Object arg
    List<Condition> children = []

    boolean evaluate(Scenario s) {
        switch (kind) {
            case 'branch':
                String branch = s.env.BRANCH_NAME
                return branch != null && DirectoryScanner.match((String) arg, branch)
            case 'changeRequest':
                // ChangeRequestConditional.matches: not a change without CHANGE_ID; each attribute equals its CHANGE_* variable.
                if (s.env.CHANGE_ID == null) return false
                return ((Map) (arg ?: [:])).every { k, v -> s.env['CHANGE_' + k.toString().replaceAll(/([A-Z])/, '_$1').toUpperCase()] == v }
            case 'changeset':
                return s.changeset.any { String path -> DirectoryScanner.match(((String) arg).replace('\\', '/'), path, false) }
            case 'triggeredBy':
                String cause = (String) arg
                return s.causes.any { String c -> cause == 'UserIdCause' ? c == 'UserIdCause' : c.matches("(?i).*${cause}.*") }
            case 'environment':
                return s.env[arg.name] == arg.value
            case 'expression':
                return Dsl.call((Closure) arg, s.expressionContext()) as boolean
            case 'not':
                return !children[0].evaluate(s)
            case 'allOf':
                return children.every { it.evaluate(s) }
            case 'anyOf':
                return children.any { it.evaluate(s) }
            default:
                throw new DslError("cannot evaluate ${kind}")
        }
    }

    Map describe() {
        Map out = [kind: kind]
        if (kind == 'expression') out.arg = '<closure>'
        else if (arg != null) out.arg = Dsl.plain(arg)
        if (children) out.children = children*.describe()
        return out
    }
}

class WhenBuilder {
    List<Condition> conditions = []
    Map flags = [:]
    def beforeAgent(boolean value) { flags.beforeAgent = value }
    def beforeInput(boolean value) { flags.beforeInput = value }
    def beforeOptions(boolean value) { flags.beforeOptions = value }
    def branch(String pattern) { conditions << new Condition(kind: 'branch', arg: pattern) }
    def changeRequest() { conditions << new Condition(kind: 'changeRequest') }
    def changeRequest(Map attributes) { conditions << new Condition(kind: 'changeRequest', arg: attributes) }
    def changeset(String glob) { conditions << new Condition(kind: 'changeset', arg: glob) }
    def triggeredBy(String cause) { conditions << new Condition(kind: 'triggeredBy', arg: cause) }
    def environment(Map args) { conditions << new Condition(kind: 'environment', arg: [name: args.name, value: args.value]) }
    def expression(Closure body) { conditions << new Condition(kind: 'expression', arg: body) }
    def not(Closure body) { conditions << nested('not', body) }
    def allOf(Closure body) { conditions << nested('allOf', body) }
    def anyOf(Closure body) { conditions << nested('anyOf', body) }
    def methodMissing(String name, Object args) { throw new DslError("unknown when condition ${name}") }

    private Condition nested(String kind, Closure body) {
        def inner = new WhenBuilder()
        Dsl.call(body, inner)
        if (inner.flags) throw new DslError("${inner.flags.keySet()} belongs at the top of when, not inside ${kind}")
        if (kind == 'not' && inner.conditions.size() != 1) throw new DslError('not takes exactly one condition')
        if (inner.conditions.isEmpty()) throw new DslError("${kind} without conditions")
        return new Condition(kind: kind, children: inner.conditions)
    }
}

class InputBuilder {
    Map input = [:]
    def message(String value) { input.message = value }
    def ok(String value) { input.ok = value }
    def submitter(String value) { input.submitter = value }
    def id(String value) { input.id = value }
    def methodMissing(String name, Object args) { throw new DslError("unknown input option ${name}") }
}

/** Evaluates `environment { NAME = value }` blocks: values as Groovy computes them. */
class EnvironmentBuilder {
    Map<String, String> values = [:]
    Map env
    Map params
    EnvironmentBuilder(Map env, Map params) { this.env = env; this.params = params }
    def credentials(String id) { return "<credentials ${id}>" }
    def getProperty(String name) {
        if (name == 'env') return env
        if (name == 'params') return params
        return metaClass.getProperty(this, name)
    }
    void setProperty(String name, Object value) {
        if (!(name ==~ /[A-Za-z_][A-Za-z0-9_]*/)) throw new DslError("bad environment name ${name}")
        values[name] = value == null ? null : value.toString()
    }
}

class PostBuilder {
    Map<String, Closure> conditions = [:]
    def methodMissing(String name, Object args) {
        if (!(name in ['always', 'changed', 'fixed', 'regression', 'aborted', 'failure', 'success', 'unstable', 'unsuccessful', 'cleanup'])) {
            throw new DslError("unknown post condition ${name}")
        }
        conditions[name] = (Closure) (args as List)[0]
    }
}

class Stage {
    String name
    Map agent
    Closure when
    List options = []
    Map input
    Closure environment
    Closure steps
    List<Stage> parallel
    List<Stage> stages
    Map<String, Closure> post = [:]
}

class StagesBuilder {
    List<Stage> stages = []
    def stage(String name, Closure body) {
        def b = new StageBuilder(new Stage(name: name))
        Dsl.call(body, b)
        def s = b.stage
        int kinds = [s.steps, s.parallel, s.stages].count { it != null }
        if (kinds != 1) throw new DslError("stage ${name} needs exactly one of steps, parallel, stages")
        stages << s
    }
    def methodMissing(String name, Object args) { throw new DslError("only stage(...) belongs in stages, not ${name}") }
}

class StageBuilder {
    Stage stage
    StageBuilder(Stage stage) { this.stage = stage }
    def getProperty(String name) {
        if (name in ['none', 'any']) return name
        return metaClass.getProperty(this, name)
    }
    def agent(String kind) { stage.agent = [kind: kind] }
    def agent(Closure body) { def b = new AgentBuilder(); Dsl.call(body, b); stage.agent = b.agent }
    def when(Closure body) { stage.when = body }
    def options(Closure body) { def r = new CallRecorder(); Dsl.call(body, r); stage.options = r.calls }
    def input(Closure body) { def b = new InputBuilder(); Dsl.call(body, b); stage.input = b.input }
    def environment(Closure body) { stage.environment = body }
    def steps(Closure body) { stage.steps = body }
    def parallel(Closure body) { def b = new StagesBuilder(); Dsl.call(body, b); stage.parallel = b.stages }
    def stages(Closure body) { def b = new StagesBuilder(); Dsl.call(body, b); stage.stages = b.stages }
    def post(Closure body) { def b = new PostBuilder(); Dsl.call(body, b); stage.post = b.conditions }
    def methodMissing(String name, Object args) { throw new DslError("unknown directive ${name} in stage ${stage.name}") }
}

class Pipeline {
    Map agent
    List options = []
    List parameters = []
    List triggers = []
    Closure environment
    List<Stage> stages
    Map<String, Closure> post = [:]
}

class PipelineBuilder {
    Pipeline pipeline = new Pipeline()
    def getProperty(String name) {
        if (name in ['none', 'any']) return name
        return metaClass.getProperty(this, name)
    }
    def agent(String kind) { pipeline.agent = [kind: kind] }
    def agent(Closure body) { def b = new AgentBuilder(); Dsl.call(body, b); pipeline.agent = b.agent }
    def options(Closure body) { def r = new CallRecorder(); Dsl.call(body, r); pipeline.options = r.calls }
    def parameters(Closure body) { def b = new ParametersBuilder(); Dsl.call(body, b); pipeline.parameters = b.parameters }
    def triggers(Closure body) { def r = new CallRecorder(); Dsl.call(body, r); pipeline.triggers = r.calls }
    def environment(Closure body) { pipeline.environment = body }
    def stages(Closure body) { def b = new StagesBuilder(); Dsl.call(body, b); pipeline.stages = b.stages }
    def post(Closure body) { def b = new PostBuilder(); Dsl.call(body, b); pipeline.post = b.conditions }
    def methodMissing(String name, Object args) { throw new DslError("unknown section ${name} in pipeline") }
}

abstract class JenkinsfileScript extends Script {
    def pipeline(Closure body) {
        if (binding.hasVariable('pipelineModel')) throw new DslError('more than one pipeline block')
        def b = new PipelineBuilder()
        Dsl.call(body, b)
        binding.setVariable('pipelineModel', b.pipeline)
    }
}

/**
 * A stage's view of the run's environment: its own variables over the run's. An assignment
 * `env.X = v` in a script sets X for the rest of the run (jenkins.io/doc/book/pipeline/jenkinsfile/#setting-environment-variables-dynamically).
 */
class LayeredEnv {
    Map global
    Map local
    LayeredEnv(Map global, Map local) { this.global = global; this.local = local }
    def getProperty(String name) { return this.@local.containsKey(name) ? this.@local[name] : this.@global[name] }
    void setProperty(String name, Object value) { this.@global[name] = value?.toString(); this.@local[name] = value?.toString() }
    def getAt(String name) { return getProperty(name) }
    void putAt(String name, Object value) { setProperty(name, value) }
    LayeredEnv child(Map extra) { Map l = new HashMap(this.@local); l.putAll(extra); return new LayeredEnv(this.@global, l) }
    Map snapshot() { Map m = new HashMap(this.@global); m.putAll(this.@local); return m }
}

/** What the stub's run and the simulator's share: parsing a Jenkinsfile, results, `when`, post conditions. */
abstract class DeclarativeRun {
    static final List<String> RESULTS = ['SUCCESS', 'UNSTABLE', 'FAILURE', 'NOT_BUILT', 'ABORTED']
    /** syntax/#post: "executed in the order shown". */
    static final List<String> POST_ORDER = ['always', 'changed', 'fixed', 'regression', 'aborted', 'failure', 'success', 'unstable', 'unsuccessful', 'cleanup']

    static Pipeline parse(File file) {
        def config = new CompilerConfiguration()
        config.scriptBaseClass = JenkinsfileScript.name
        def binding = new Binding()
        def shell = new GroovyShell(DeclarativeRun.classLoader, binding, config)
        shell.evaluate(file.getText('UTF-8'), 'Jenkinsfile_' + file.name.replaceAll(/[^A-Za-z0-9]/, '_'))
        if (!binding.hasVariable('pipelineModel')) throw new DslError('no pipeline block')
        return (Pipeline) binding.getVariable('pipelineModel')
    }

    static Map evaluateWhen(Closure body) {
        if (body == null) return null
        def b = new WhenBuilder()
        Dsl.call(body, b)
        if (b.conditions.isEmpty()) throw new DslError('when without conditions')
        return [flags: b.flags, conditions: b.conditions]
    }

    /**
     * Does the stage's `when` pass, for an env of the run and the enclosing stages? Jenkins
     * (ModelInterpreter.evaluateStage, WhenEvaluator) evaluates it before withEnvBlock(the
     * stage's environment): a stage's own environment never decides whether it runs.
     */
    static boolean whenPasses(Map when, Object scenario) {
        return when == null || when.conditions.every { Condition c -> c.evaluate(scenario) }
    }

    static String worse(String a, String b) { RESULTS.indexOf(a) >= RESULTS.indexOf(b) ? a : b }

    /** syntax/#post: which condition runs for a result (changed, fixed, regression compare with a previous build: none here). */
    static boolean postApplies(String condition, String result) {
        switch (condition) {
            case 'always': case 'cleanup': return true
            case 'success': return result == 'SUCCESS'
            case 'failure': return result == 'FAILURE'
            case 'aborted': return result == 'ABORTED'
            case 'unstable': return result == 'UNSTABLE'
            case 'unsuccessful': return result != 'SUCCESS'
            default: return false
        }
    }
}
