// A stand-in for the parts of LuCI's luci.js that a client-side view relies on,
// written for the Chromium test of the luci-app-x0tta6bl4 view (tests/browser/):
//  - the module loader: a module's source is the body of a function whose parameters
//    are window, document, L and the modules its leading 'require a.b as c' strings
//    name; the body returns a class, and the loader instantiates it;
//  - the class helper (extend, __init__), view (load, then render, into #view), dom
//    (create/append/content: an array's strings become text, a lone string is HTML,
//    as in LuCI), E and _, poll (add(fn, seconds)), ui (createHandlerFn, showModal,
//    hideModal, addNotification), and rpc.declare, which here posts to the agent's
//    HTTP API (same methods and arguments as its ubus object) instead of /ubus.
// What the test reads back: window.HARNESS = { polls, modals, notifications, errors, calls }.
(function () {
	'use strict';
	var H = (window.HARNESS = { polls: [], modals: [], notifications: [], errors: [], calls: [] });

	function Class() {}
	Class.extend = function (props) {
		var Parent = this;
		function C() {
			if (typeof this.__init__ === 'function') this.__init__.apply(this, arguments);
		}
		C.prototype = Object.create(Parent.prototype);
		Object.keys(props).forEach(function (k) { C.prototype[k] = props[k]; });
		C.prototype.constructor = C;
		C.extend = Class.extend;
		return C;
	};
	Class.prototype.varargs = function (args, offset) {
		return Array.prototype.slice.call(arguments, 2).concat(Array.prototype.slice.call(args, offset));
	};

	var isElem = function (x) { return x !== null && typeof x === 'object' && 'nodeType' in x; };

	var dom = new (Class.extend({
		elem: isElem,
		append: function (node, children) {
			if (Array.isArray(children)) {
				children.forEach(function (c) {
					if (isElem(c)) node.appendChild(c);
					else if (c !== null && c !== undefined) node.appendChild(document.createTextNode(String(c)));
				});
			} else if (typeof children === 'function') {
				this.append(node, children(node));
			} else if (isElem(children)) {
				node.appendChild(children);
			} else if (children !== null && children !== undefined) {
				node.innerHTML = String(children);
			}
			return node.lastChild;
		},
		content: function (node, children) {
			while (node.firstChild) node.removeChild(node.firstChild);
			return this.append(node, children);
		},
		attr: function (node, attrs) {
			Object.keys(attrs || {}).forEach(function (k) {
				var v = attrs[k];
				if (v === null || v === undefined) return;
				if (typeof v === 'function') node.addEventListener(k, v);
				else if (typeof v === 'object') node.setAttribute(k, JSON.stringify(v));
				else node.setAttribute(k, v);
			});
		},
		create: function (tag, attrs, children) {
			if (!(attrs instanceof Object) || Array.isArray(attrs)) {
				children = attrs;
				attrs = null;
			}
			var node;
			if (Array.isArray(tag)) {
				node = document.createDocumentFragment();
				var self = this;
				tag.forEach(function (t) { node.appendChild(self.create(t)); });
			} else if (isElem(tag)) node = tag;
			else if (tag.charAt(0) === '<') {
				var tpl = document.createElement('template');
				tpl.innerHTML = tag;
				node = tpl.content.firstChild;
			} else node = document.createElement(tag);
			this.attr(node, attrs);
			this.append(node, children);
			return node;
		},
	}))();

	window.E = function () { return dom.create.apply(dom, arguments); };
	window._ = function (s) { return s; };

	var ui = new (Class.extend({
		createHandlerFn: function (ctx, fn) {
			var f = typeof fn === 'string' ? ctx[fn] : fn;
			var bound = Array.prototype.slice.call(arguments, 2);
			return function (ev) {
				var t = ev.target;
				t.disabled = true;
				return Promise.resolve(f.apply(ctx, bound.concat([ev]))).finally(function () { t.disabled = false; });
			};
		},
		showModal: function (title, children) {
			H.modals.push(title);
			dom.content(document.getElementById('modal'), [E('h4', [title])].concat(children));
		},
		hideModal: function () {
			dom.content(document.getElementById('modal'), []);
		},
		addNotification: function (title, children, cls) {
			H.notifications.push(cls || 'info');
			document.getElementById('notifications').appendChild(E('div', { class: 'alert-message ' + (cls || '') }, [children]));
		},
	}))();

	var poll = new (Class.extend({
		add: function (fn, seconds) {
			H.polls.push(seconds);
			var busy = false;
			setInterval(function () {
				if (busy) return;
				busy = true;
				Promise.resolve(fn()).finally(function () { busy = false; });
			}, seconds * 1000);
			return true;
		},
	}))();

	var STATUS_TEXT = { 2: 'Invalid argument', 4: 'Resource not found', 8: 'Not supported', 9: 'Unspecified error' };
	var rpc = new (Class.extend({
		declare: function (opts) {
			return function () {
				var args = {};
				var values = arguments;
				(opts.params || []).forEach(function (p, i) { if (values[i] !== undefined) args[p] = values[i]; });
				H.calls.push(opts.object + '.' + opts.method);
				return fetch('/api/' + opts.method, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(args) }).then(function (res) {
					// ubus sends the agent's {error} then a non-zero status: LuCI's rpc hands back the data.
					return res.json().then(function (body) { return res.ok ? body : { error: body.message }; });
				});
			};
		},
		getStatusText: function (code) { return STATUS_TEXT[code] || 'Unknown error code'; },
	}))();

	var View = Class.extend({
		__init__: function () {
			var vp = document.getElementById('view');
			dom.content(vp, E('div', { class: 'spinning' }, ['Loading view…']));
			Promise.resolve(this.load()).then(this.render.bind(this)).then(function (nodes) {
				dom.content(vp, nodes);
				document.body.setAttribute('data-view', 'rendered');
			}).catch(function (e) {
				H.errors.push(String((e && e.stack) || e));
				dom.content(vp, E('pre', { class: 'alert-message error' }, [String(e)]));
			});
		},
		load: function () {},
		render: function () {},
	});

	var modules = {
		baseclass: Promise.resolve(Class),
		view: Promise.resolve(View),
		dom: Promise.resolve(dom),
		ui: Promise.resolve(ui),
		poll: Promise.resolve(poll),
		rpc: Promise.resolve(rpc),
	};

	var L = (window.L = {
		env: {},
		dom: dom,
		ui: ui,
		bind: function (fn, self) { return fn.bind.apply(fn, [self].concat(Array.prototype.slice.call(arguments, 2))); },
		require: function (name) {
			// The built-in ones are LuCI's classes themselves (view.extend, baseclass.extend).
			if (modules[name]) return modules[name];
			modules[name] = fetch('/luci-static/resources/' + name.replace(/\./g, '/') + '.js').then(function (res) {
				if (!res.ok) throw new Error('HTTP ' + res.status + ' loading ' + name);
				return res.text();
			}).then(function (source) {
				var deps = [], names = [], rest = source, m;
				var directive = /^\s*(['"])(use strict|require\s+(\S+)(?:\s+as\s+([A-Za-z_]\S*))?)\1;/;
				while ((m = directive.exec(rest)) !== null) {
					rest = rest.slice(m[0].length);
					if (!m[3]) continue;
					deps.push(L.require(m[3]));
					names.push(m[4] || m[3].replace(/[^A-Za-z0-9_]/g, '_'));
				}
				return Promise.all(deps).then(function (instances) {
					var factory = new Function(['window', 'document', 'L'].concat(names).join(','), source + '\n//# sourceURL=' + name + '.js');
					var Cls = factory.apply(factory, [window, document, L].concat(instances));
					if (typeof Cls !== 'function' || !(Cls.prototype instanceof Class)) throw new TypeError(name + ': the module did not return a class');
					return new Cls();
				});
			});
			return modules[name];
		},
	});
	window.addEventListener('error', function (e) { H.errors.push(String(e.message)); });
	window.addEventListener('unhandledrejection', function (e) { H.errors.push(String(e.reason && (e.reason.stack || e.reason))); });
})();
