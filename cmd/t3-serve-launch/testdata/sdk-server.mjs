// Stands in for T3 Code's server (`t3 serve`) in TestAgentSDK: it starts
// Claude agents as T3 Code does, through the Claude Agent SDK's query()
// with pathToClaudeCodeExecutable set to the Claude provider's binaryPath
// in ~/.t3/userdata/settings.json, or "claude" looked up in PATH when that
// is unset, and the server's environment as the agent's.
//
// Sessions: two one-shot prompts at once, then one streaming session that
// the server ends (the SDK's abort: SIGTERM, then SIGKILL after 5 s, to the
// child it spawned). One JSON line per session on stdout, then "done";
// with HOLD=1 it then stays up, as a server does.
import fs from "node:fs";
import path from "node:path";

const { query } = await import(path.join(process.env.AGENT_SDK, "sdk.mjs"));

let binaryPath = "";
try {
  const s = JSON.parse(fs.readFileSync(path.join(process.env.HOME, ".t3/userdata/settings.json"), "utf8"));
  binaryPath = s?.providers?.claudeAgent?.binaryPath ?? "";
} catch {}
if (!binaryPath) binaryPath = "claude";
if (!path.isAbsolute(binaryPath)) {
  const dir = (process.env.PATH ?? "").split(":").find((d) => d && fs.existsSync(path.join(d, binaryPath)));
  binaryPath = dir ? path.join(dir, binaryPath) : binaryPath;
}

const options = (extra) => ({
  pathToClaudeCodeExecutable: binaryPath,
  env: { ...process.env },
  cwd: process.env.HOME,
  maxTurns: 1,
  settingSources: [],
  ...extra,
});

async function oneShot(name) {
  const out = { session: name, binaryPath };
  try {
    for await (const m of query({ prompt: "hi", options: options({}) })) {
      if (m.type === "result") {
        out.result = m.subtype;
        out.is_error = m.is_error;
        out.text = m.result;
      }
    }
  } catch (e) {
    out.error = String(e?.message ?? e);
  }
  return out;
}

async function ended() {
  const out = { session: "ended", binaryPath };
  const abort = new AbortController();
  let release;
  const hold = new Promise((r) => (release = r));
  async function* prompt() {
    yield { type: "user", message: { role: "user", content: "hi" }, parent_tool_use_id: null, session_id: "" };
    await hold; // the session stays open, as a T3 Code thread does
  }
  try {
    for await (const m of query({ prompt: prompt(), options: options({ abortController: abort }) })) {
      if (m.type === "result") {
        out.result = m.subtype;
        out.text = m.result;
        out.ended_at = Date.now();
        abort.abort();
        release();
      }
    }
  } catch (e) {
    if (abort.signal.aborted) out.aborted = true; // the SDK's AbortError: the end the server chose
    else out.error = String(e?.message ?? e);
  }
  return out;
}

for (const r of await Promise.all([oneShot("a"), oneShot("b")])) console.log(JSON.stringify(r));
console.log(JSON.stringify(await ended()));
console.log("done");
if (process.env.HOLD === "1") setInterval(() => {}, 1 << 30); // serve on, as a server does
