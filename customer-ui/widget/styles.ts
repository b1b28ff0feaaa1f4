// Lives inside the widget's shadow root: the host page's CSS cannot reach in, ours cannot leak out.
export const css = (color: string) => `
:host { all: initial; }
* { box-sizing: border-box; font-family: system-ui, -apple-system, "Segoe UI", Tahoma, sans-serif; }
.launcher { position: fixed; bottom: 20px; inset-inline-end: 20px; z-index: 2147483000; border: 0; border-radius: 28px;
  background: ${color}; color: #fff; padding: 14px 20px; font-size: 15px; cursor: pointer; box-shadow: 0 4px 14px rgba(0,0,0,.25); }
.panel { position: fixed; bottom: 84px; inset-inline-end: 20px; z-index: 2147483000; width: 360px; max-width: calc(100vw - 40px);
  height: 520px; max-height: calc(100vh - 110px); background: #fff; color: #1c1c1c; border-radius: 12px; display: flex;
  flex-direction: column; box-shadow: 0 8px 30px rgba(0,0,0,.3); overflow: hidden; font-size: 14px; }
.panel[hidden] { display: none; }
header { background: ${color}; color: #fff; padding: 12px 14px; display: flex; align-items: center; gap: 8px; }
header h2 { font-size: 16px; margin: 0; flex: 1; }
header button { background: transparent; color: #fff; border: 1px solid rgba(255,255,255,.6); border-radius: 6px; padding: 4px 8px; cursor: pointer; font-size: 12px; }
.status { padding: 6px 12px; background: #f3f6fb; color: #334; font-size: 12px; min-height: 0; }
.status:empty { display: none; }
.log { flex: 1; overflow-y: auto; padding: 12px; display: flex; flex-direction: column; gap: 6px; }
.msg { max-width: 80%; padding: 8px 10px; border-radius: 10px; white-space: pre-wrap; word-wrap: break-word; line-height: 1.45; }
.msg.visitor { align-self: flex-end; background: ${color}; color: #fff; }
.msg.agent { align-self: flex-start; background: #eef0f3; }
.msg .who { display: block; font-size: 11px; opacity: .75; margin-bottom: 2px; }
.msg .meta { display: block; font-size: 10px; opacity: .75; margin-top: 2px; }
.msg a { color: inherit; }
.msg img { max-width: 100%; border-radius: 6px; display: block; margin-top: 4px; }
.note { align-self: center; font-size: 12px; color: #555; }
.typing { padding: 0 12px 4px; font-size: 12px; color: #666; min-height: 16px; }
form.composer { display: flex; gap: 6px; padding: 8px; border-top: 1px solid #e5e7eb; align-items: flex-end; }
textarea { flex: 1; resize: none; border: 1px solid #cfd4dc; border-radius: 8px; padding: 8px; font-size: 14px; height: 40px; }
button.primary { background: ${color}; color: #fff; border: 0; border-radius: 8px; padding: 9px 12px; cursor: pointer; font-size: 14px; }
button.secondary { background: #fff; color: #333; border: 1px solid #cfd4dc; border-radius: 8px; padding: 8px 12px; cursor: pointer; }
label.file { cursor: pointer; padding: 8px; border: 1px solid #cfd4dc; border-radius: 8px; }
label.file input { display: none; }
.form { padding: 14px; display: flex; flex-direction: column; gap: 10px; overflow-y: auto; }
.form input[type=text], .form input[type=email], .form textarea { width: 100%; border: 1px solid #cfd4dc; border-radius: 8px; padding: 8px; font-size: 14px; height: auto; }
.form textarea { min-height: 90px; }
.stars { display: flex; gap: 4px; }
.stars button { font-size: 22px; background: none; border: 0; cursor: pointer; color: #bbb; }
.stars button.on { color: #f5a623; }
.error { color: #b00020; font-size: 12px; }
`;
