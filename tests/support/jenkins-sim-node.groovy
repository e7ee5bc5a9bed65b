/*
 * The executing half of the Jenkins simulator (joined after jenkins-stub-dsl.groovy, before
 * jenkins-sim-steps.groovy and jenkins-sim-run.groovy): workspaces on agents, `sh` run for
 * real, stashes, credentials and the run's records. Each semantic names the doc it follows.
 */
import java.nio.file.Files
import java.nio.file.StandardCopyOption
import java.util.concurrent.TimeUnit

/** A step that ends its stage with a result: an AbortException (FAILURE) or FlowInterruptedException (ABORTED). */
class SimFailure extends RuntimeException {
    String result
    SimFailure(String result, String message) { super(message); this.result = result }
}

/** One event as Jenkins sees it, with what the test answers (inputs) and the agents' setup. */
class Scenario {
    Map env = [:]
    Map params = [:]
    List<String> causes = []
    List<String> changeset = []
    boolean previousBuild = true
    String repo
    String commit
    String previousSuccessfulCommit
    /** Environment every agent has (node properties): PATH with the stand-ins, pip's wheelhouse, MLflow's store. */
    Map agentEnv = [:]
    /** Secret text credentials by ID, as the credentials store holds them. */
    Map credentials = [:]
    /** The test's answer per input stage: 'approve' or 'abort'. */
    Map inputs = [:]
    /** Seconds that replace a stage's `options { timeout }` (so a timeout can happen in a test). */
    Map timeLimits = [:]
    String root
    /** Replay `pip install -r FILE` into a fresh venv from the first real install with the same file (see Installs). */
    boolean replayInstalls = true

    Map expressionContext() {
        return [env: new HashMap(env), params: params, currentBuild: [previousBuild: previousBuild ? [number: 1] : null]]
    }

    Scenario withEnv(Map stageEnv) {
        return new Scenario(env: stageEnv, params: params, causes: causes, changeset: changeset, previousBuild: previousBuild)
    }
}

/** One allocated executor: a node's workspace (fresh per allocation) and, for docker agents, the image. */
class Workspace {
    File dir
    String stage
    String image
    String user
}

/**
 * `pip install -r FILE` into a fresh venv, replayed. On this 2-core machine a real install of
 * fraud-canary's 130 pins takes about a minute, and each stage installs into its own workspace.
 * The first install of a requirements file (by content) runs for real; later ones into an
 * empty venv hard-link its site-packages and rewrite its console scripts' shebangs, which is
 * what pip would have produced there. A venv that has anything else, or a changed file, installs
 * for real. Each replay is recorded as such; replayInstalls false turns it off.
 */
class Installs {
    static Map<String, File> templates = [:]

    static String key(File requirements) {
        return java.security.MessageDigest.getInstance('SHA-256').digest(requirements.bytes).encodeHex().toString()
    }

    /** The venv's site-packages, when the venv is fresh (pip's own packages only). */
    static File freshSitePackages(File venv) {
        File lib = new File(venv, 'lib')
        File site = lib.listFiles()?.find { it.name.startsWith('python') }?.with { new File(it, 'site-packages') }
        if (site == null || !site.isDirectory()) return null
        boolean fresh = site.list().every { it == 'pip' || it.startsWith('pip-') || it == '_distutils_hack' || it == 'distutils-precedence.pth' || it.startsWith('setuptools') || it.startsWith('pkg_resources') || it == '__pycache__' }
        return fresh ? site : null
    }

    static boolean replay(File template, File venv) {
        File site = freshSitePackages(venv)
        if (site == null) return false
        File templateSite = freshSiteOf(template)
        def cp = ['cp', '-al', '--no-clobber', "${templateSite.path}/.", site.path].execute()
        cp.waitFor()
        if (cp.exitValue() != 0) return false
        new File(template, 'bin').listFiles().each { File script ->
            File target = new File(venv, "bin/${script.name}")
            if (target.exists() || script.isDirectory()) return
            String text = script.isFile() && script.length() < 65536 ? script.getText('ISO-8859-1') : null
            if (text != null && text.startsWith("#!${template.path}/bin/python")) {
                target.setText(text.replace("#!${template.path}/bin/python", "#!${venv.path}/bin/python"), 'ISO-8859-1')
                target.setExecutable(true)
            } else if (!Files.isSymbolicLink(script.toPath())) {
                Files.copy(script.toPath(), target.toPath(), StandardCopyOption.COPY_ATTRIBUTES)
            }
        }
        return true
    }

    static File freshSiteOf(File venv) {
        return new File(new File(venv, 'lib').listFiles().find { it.name.startsWith('python') }, 'site-packages')
    }

    /** After a real install: keep a copy of the venv as the template for this requirements file. */
    static void remember(String key, File venv, File root) {
        File template = new File(root, "install-templates/${key.substring(0, 16)}/venv")
        template.parentFile.mkdirs()
        def cp = ['cp', '-a', venv.path, template.path].execute()
        cp.waitFor()
        if (cp.exitValue() != 0) return
        // The template's scripts point at the workspace's venv: point them at the template's.
        new File(template, 'bin').listFiles().each { File script ->
            if (!script.isFile() || Files.isSymbolicLink(script.toPath()) || script.length() > 65536) return
            String text = script.getText('ISO-8859-1')
            if (text.startsWith("#!${venv.path}/bin/python")) script.setText(text.replace("#!${venv.path}/bin/python", "#!${template.path}/bin/python"), 'ISO-8859-1')
        }
        templates[key] = template
    }
}

/**
 * The plans' `[ -x DIR/bin/python ] || python3 -m venv DIR` into a workspace without DIR,
 * replayed: python3 -m venv (ensurepip) takes about 5 s here, and every stage makes its own.
 * The first one per python3 (by its path on the step's PATH) runs for real and is kept as a
 * template; later ones copy it (symlinks to the interpreter kept) and rewrite the venv's own
 * path in pyvenv.cfg and bin/ (activate scripts, pip's shebangs), which is what venv writes
 * there. Each replay is recorded as such; replayInstalls false turns it off.
 */
class Venvs {
    static Map<String, Map> templates = [:]
    static final java.util.regex.Pattern COMMAND = ~/^\[ -x (\S+)\/bin\/python \] \|\| python3 -m venv (\S+)$/

    /** The venv directory the script creates, when it is the plans' venv command. */
    static String target(String script) {
        def m = COMMAND.matcher(script)
        return m.matches() && m.group(1) == m.group(2) ? m.group(2) : null
    }

    static String python3On(String path) {
        for (String dir : (path ?: '').split(':')) {
            File f = new File(dir, 'python3')
            if (f.isFile() && f.canExecute()) return f.path
        }
        return null
    }

    static void remember(String python, File venv, File root) {
        if (templates.containsKey(python)) return
        File template = new File(root, "venv-templates/${templates.size()}/venv")
        template.parentFile.mkdirs()
        def cp = ['cp', '-a', venv.path, template.path].execute()
        cp.waitFor()
        if (cp.exitValue() == 0) templates[python] = [dir: template, path: venv.path]
    }

    static boolean replay(String python, File venv) {
        Map template = templates[python]
        if (template == null || venv.exists()) return false
        venv.parentFile.mkdirs()
        def cp = ['cp', '-a', ((File) template.dir).path, venv.path].execute()
        cp.waitFor()
        if (cp.exitValue() != 0) return false
        List<File> texts = [new File(venv, 'pyvenv.cfg')] + (new File(venv, 'bin').listFiles() as List)
        texts.each { File f ->
            if (!f.isFile() || Files.isSymbolicLink(f.toPath()) || f.length() > 65536) return
            String text = f.getText('ISO-8859-1')
            if (text.contains((String) template.path)) f.setText(text.replace((String) template.path, venv.path), 'ISO-8859-1')
        }
        return true
    }
}

/** What the build did: the records the harness reads back. */
class Outcome {
    List<String> ran = []
    Map<String, String> results = [:]
    List<String> posts = []
    List<Map> locks = []
    List<Map> milestones = []
    List<Map> inputs = []
    List<Map> executed = []
    List<Map> stashes = []
    List<Map> unstashes = []
    List<Map> workspaces = []
    List<Map> archived = []
    /** What each publishHTML step published: the report's name and the pages it found. */
    List<Map> published = []
    /** What each junit step read: its files, test cases, and the names of those that failed. */
    List<Map> tests = []
    List<Map> sleeps = []
    Map<String, String> errors = [:]
    String build = 'SUCCESS'
}

/** State shared by every step of one build: stashes, the agents' workspaces, the records. */
class Build {
    Scenario scenario
    Outcome outcome = new Outcome()
    File root
    int allocations = 0
    static final String BUILD_NUMBER = '42'

    Build(Scenario s) {
        scenario = s
        root = new File(s.root)
        root.mkdirs()
    }

    File stashDir(String name) { new File(root, "stashes/${name}") }

    /**
     * jenkins.io/doc/book/pipeline/syntax/#agent: a stage's `agent` allocates an executor and a
     * workspace on a node; each stage with its own agent (and each `node {}`) gets one. On a
     * real node the path may be reused between builds; the pipelines here delete it first
     * (deleteDir), so a fresh directory per allocation is what their steps see.
     */
    Workspace allocate(String stage, Map agent) {
        allocations++
        File dir = new File(root, "agent-${allocations}/workspace/${stage.replaceAll(/[^A-Za-z0-9_.-]/, '_')}")
        dir.mkdirs()
        def ws = new Workspace(dir: dir, stage: stage)
        Map docker = agent?.docker
        if (docker != null) {
            // jenkins.io/doc/book/pipeline/docker/: the workspace is mounted into the container, which runs
            // as the agent's user (-u uid:gid). No docker daemon here: the steps run on the host, the image recorded.
            ws.image = docker.image
            ws.user = ['id', '-u'].execute().text.trim() + ':' + ['id', '-g'].execute().text.trim()
        }
        outcome.workspaces << [stage: stage, dir: dir.path, label: agent?.label, image: ws.image, user: ws.user]
        return ws
    }

    /**
     * jenkins.io/doc/pipeline/steps/workflow-basic-steps/#stash-stash-some-files-to-be-used-later-in-the-build:
     * includes/excludes are Ant patterns (comma-separated) relative to the workspace; Ant's default
     * excludes apply unless useDefaultExcludes: false; an empty stash is an error unless
     * allowEmpty; a stash of a name already used replaces it; stashes live for this build only.
     */
    List<String> stash(Workspace ws, Map args) {
        def scanner = new DirectoryScanner()
        scanner.basedir = ws.dir
        scanner.includes = ((String) (args.includes ?: '**')).split(',')*.trim() as String[]
        if (args.excludes) scanner.excludes = ((String) args.excludes).split(',')*.trim() as String[]
        if (args.useDefaultExcludes != false) scanner.addDefaultExcludes()
        scanner.scan()
        List<String> files = scanner.includedFiles.collect { it.replace('\\', '/') }.sort()
        if (files.isEmpty() && !args.allowEmpty) throw new SimFailure('FAILURE', "No files included in stash ‘${args.name}’")
        File target = stashDir((String) args.name)
        target.deleteDir()
        files.each { String path -> copy(new File(ws.dir, path), new File(target, path)) }
        outcome.stashes << [name: args.name, stage: ws.stage, files: files.size() > 50 ? files.size() : files]
        return files
    }

    /** workflow-basic-steps/#unstash-restore-files-previously-stashed: a name not stashed in this build fails the step. */
    void unstash(Workspace ws, String name, String where) {
        File source = stashDir(name)
        if (!source.isDirectory()) throw new SimFailure('FAILURE', "No such saved stash ‘${name}’")
        List<String> files = []
        source.eachFileRecurse(groovy.io.FileType.FILES) { File f ->
            String path = source.toPath().relativize(f.toPath()).toString()
            files << path
            copy(f, new File(ws.dir, path))
        }
        outcome.unstashes << [name: name, stage: where, files: files.size() > 50 ? files.size() : files.sort()]
    }

    static void copy(File from, File to) {
        to.parentFile.mkdirs()
        if (Files.isSymbolicLink(from.toPath())) {
            Files.deleteIfExists(to.toPath())
            Files.createSymbolicLink(to.toPath(), Files.readSymbolicLink(from.toPath()))
        } else {
            Files.copy(from.toPath(), to.toPath(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.COPY_ATTRIBUTES)
        }
    }

    /**
     * checkout scm (plugins.jenkins.io/git/, "Environment variables"): the git plugin inits the
     * workspace, fetches +refs/heads/*:refs/remotes/origin/* from the job's repository and checks
     * out the build's revision detached; it returns GIT_COMMIT, GIT_BRANCH and
     * GIT_PREVIOUS_SUCCESSFUL_COMMIT (the last successful build's revision, none on a first build).
     */
    Map checkout(Workspace ws) {
        String repo = scenario.repo
        String commit = scenario.commit
        git(ws.dir, 'init', '-q')
        git(ws.dir, 'remote', 'add', 'origin', repo)
        git(ws.dir, 'fetch', '-q', '--no-tags', 'origin', '+refs/heads/*:refs/remotes/origin/*')
        git(ws.dir, 'checkout', '-q', '-f', commit)
        String branch = scenario.env.BRANCH_NAME
        return [GIT_COMMIT: commit, GIT_BRANCH: branch ? "origin/${branch}".toString() : null,
                GIT_PREVIOUS_SUCCESSFUL_COMMIT: scenario.previousSuccessfulCommit, GIT_URL: repo]
    }

    static void git(File dir, String... args) {
        def p = (['git'] + (args as List)).execute(null, dir)
        def out = new StringBuilder()
        p.consumeProcessOutput(out, out)
        p.waitFor()
        if (p.exitValue() != 0) throw new SimFailure('FAILURE', "git ${args.join(' ')} failed: ${out}")
    }

    /**
     * jenkins.io/doc/pipeline/steps/workflow-durable-task-step/#sh-shell-script: the script runs
     * from a file in the workspace with the system default shell and -xe (set +e / +x turn those
     * off), unless it starts with an interpreter line; a non-zero exit fails the step ("script
     * returned exit code N") unless returnStatus; returnStdout returns stdout instead of logging it.
     * A timeout interrupts it: the process tree is killed (jenkins.io/doc/book/using/aborting-a-build/).
     */
    Map sh(Workspace ws, String script, Map env, long deadline) {
        File tmp = new File(ws.dir.path + '@tmp', "durable-${outcome.executed.size()}")
        tmp.mkdirs()
        File file = new File(tmp, 'script.sh')
        file.setText(script, 'UTF-8')
        List<String> command = script.startsWith('#!') ? [file.path] : ['/bin/sh', '-xe', file.path]
        file.setExecutable(true)
        def pb = new ProcessBuilder(command).directory(ws.dir)
        pb.environment().clear()
        pb.environment().putAll(env.findAll { k, v -> v != null }.collectEntries { k, v -> [(k.toString()): v.toString()] })
        File stdout = new File(tmp, 'output.txt')
        File log = new File(tmp, 'jenkins-log.txt')
        pb.redirectOutput(stdout)
        pb.redirectError(log)
        long start = System.currentTimeMillis()
        Process p = pb.start()
        boolean done = deadline > 0 ? p.waitFor(Math.max(1, deadline - start), TimeUnit.MILLISECONDS) : (p.waitFor() >= 0)
        if (!done) {
            p.descendants().each { it.destroyForcibly() }
            p.destroyForcibly()
            p.waitFor()
        }
        return [status: done ? p.exitValue() : null, stdout: stdout.getText('UTF-8'), log: log.getText('UTF-8'),
                seconds: (System.currentTimeMillis() - start) / 1000.0, timedOut: !done]
    }
}
