/**
 * The LuCI page's JavaScript: the view (packages-openwrt/luci/status.js), installed
 * where the menu entry's `view` action points, and the render functions it shares
 * with the agent's dashboard (runtime/web/render.js), made a LuCI class module.
 *
 * LuCI loads a module by evaluating its source as the body of a function whose
 * parameters are the modules named in its leading `'require ...'` strings, and takes
 * the class the body returns. render.js is a plain script that defines X0Render (the
 * dashboard loads it with a script tag), so the LuCI copy gets the directives in
 * front and `return baseclass.extend(X0Render)` behind: the same functions, unchanged.
 */
import { LUCI_VIEW } from './luci-json.js';

const RESOURCES = 'www/luci-static/resources';

/** Where the view goes: LuCI resolves a view action's path under resources/view/. */
export const LUCI_VIEW_FILE = `${RESOURCES}/view/${LUCI_VIEW}.js`;
/** `'require x0tta6bl4.render'` loads resources/x0tta6bl4/render.js. */
export const LUCI_RENDER_MODULE = 'x0tta6bl4.render';
export const LUCI_RENDER_FILE = `${RESOURCES}/${LUCI_RENDER_MODULE.replaceAll('.', '/')}.js`;

export function luciRenderModule(renderJs: string): string {
  if (!/^var X0Render = /m.test(renderJs)) throw new Error('render.js: it must define X0Render (var X0Render = ...)');
  return `'use strict';\n'require baseclass';\n\n${renderJs.trimEnd()}\n\nreturn baseclass.extend(X0Render);\n`;
}

/** The view's leading directives must load the render module under that name. */
export function checkLuciView(viewJs: string): string {
  if (!viewJs.startsWith("'use strict';\n'require view';")) throw new Error("status.js: must start with 'use strict' and 'require view' (LuCI reads the leading directives)");
  if (!viewJs.includes(`'require ${LUCI_RENDER_MODULE} as render';`)) throw new Error(`status.js: must require ${LUCI_RENDER_MODULE} as render`);
  return viewJs;
}
