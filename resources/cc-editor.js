/* global window, RED, $ */
// Shared editor code of @ccflow/node-red-contact-center. Node-RED (>= 1.3) serves the module's
// resources/ folder at resources/<module name>/, and every nodes/*.html loads this file with
//   <script src="resources/@ccflow/node-red-contact-center/cc-editor.js"></script>
// before its own inline script runs. The editor files keep their literal
// RED.nodes.registerType('<type>', { category, color, icon, ... }) call and their template;
// what they have in common is built here, in the `CCEditor` namespace:
//   - operationNode(type, opts): the operation nodes (parameter rows and outputs from the
//     catalogue, output labels, parameter validation);
//   - eventNode(type, opts): the event nodes (filter lists from the catalogue; `batch: true`
//     adds the output mode: one message per event or batches);
//   - gateway(when), positive(min), showWhen(select, sections): field helpers;
//   - readOnce(url, empty): a JSON document read once (the WebRTC and chat editors use it too);
//   - beginEdit(node), endEdit(node), current(node, prop, selector): validators that depend on
//     another field read it from the open edit dialog.
// Parameters, outcomes and event names come only from the catalogue (GET
// cc-contact-center/catalogue, registered by the cc-gateway node); nothing here re-lists them.
(function (global) {
  'use strict';
  // Each editor file loads this script: keep the first copy (and its catalogue).
  if (global.CCEditor) return;

  var CATALOGUE_URL = 'cc-contact-center/catalogue';
  var INPUT_TYPES = {
    string: ['msg', 'flow', 'global', 'env', 'str', 'jsonata'],
    integer: ['msg', 'flow', 'global', 'env', 'num', 'str', 'jsonata'],
    boolean: ['msg', 'flow', 'global', 'env', 'bool', 'jsonata'],
    object: ['msg', 'flow', 'global', 'env', 'json', 'jsonata'],
  };

  /**
   * A reader of the JSON at url, read once: each call resolves the same body (`empty` when the
   * body is null), or null when it cannot be read, and then the next call reads again. The
   * palette's catalogues (contact center, WebRTC, chat) are all read through one of these.
   */
  function readOnce(url, empty) {
    var loading = null;
    return function () {
      if (!loading) {
        loading = new Promise(function (resolve) {
          $.getJSON(url)
            .done(function (body) {
              resolve(body || empty);
            })
            .fail(function () {
              loading = null;
              resolve(null);
            });
        });
      }
      return loading;
    };
  }

  var catalogue = null;
  var readCatalogue = readOnce(CATALOGUE_URL, {});

  /** The catalogue, read once; resolves null when it cannot be read (read again next time). */
  function load() {
    return readCatalogue().then(function (c) {
      if (c) catalogue = c;
      return c;
    });
  }

  /** The node's translation of key, or fallback when the catalogue has none. */
  function text(node, key, fallback) {
    var t = node._(key);
    return t && t !== key ? t : fallback;
  }

  /** Loads the catalogue for an edit dialog, with the node's warning when it cannot. */
  function loadFor(node, type) {
    return load().then(function (c) {
      if (!c) RED.notify(node._(type + '.errors.catalogue'), 'warning');
      return c;
    });
  }

  function labelStyle() {
    return this.name ? 'node_label_italic' : '';
  }

  // ---- the open edit dialog ---------------------------------------------------------------

  /** The node whose edit dialog is open (set by oneditprepare, cleared on save or cancel). */
  var editing = null;

  function beginEdit(node) {
    editing = node;
  }

  function endEdit(node) {
    if (editing === node) editing = null;
  }

  /**
   * The value of property prop that a validator should read: while node's edit dialog is open,
   * the dialog's field (selector), so that a check depending on another field (a webhook path
   * on the source, a URL on the mode) follows what is chosen now, not what was last saved;
   * otherwise the saved node[prop].
   */
  function current(node, prop, selector) {
    if (editing === node) {
      var $field = $(selector);
      if ($field.length) return $field.val();
    }
    return node[prop];
  }

  // ---- field helpers ----------------------------------------------------------------------

  /**
   * The `gateway` property of a node that uses the cc-gateway config node. With `optional`, a
   * function of the node returning true when no gateway is needed (e.g. a webhook source; read
   * the deciding field with current() so the check follows the open dialog).
   */
  function gateway(optional) {
    if (!optional) return { value: '', type: 'cc-gateway', required: true };
    return {
      value: '',
      type: 'cc-gateway',
      required: false,
      validate: function (v) {
        return optional.call(this) || (!!v && v !== '_ADD_');
      },
    };
  }

  /** A validator: blank, or a finite number >= min. */
  function positive(min) {
    return function (v) {
      if (v === undefined || v === null || String(v).trim() === '') return true;
      var n = Number(v);
      return Number.isFinite(n) && n >= min;
    };
  }

  /**
   * Shows, for each value of a select, the elements of sections[value] and hides the other
   * sections; follows the select's changes.
   */
  function showWhen(select, sections) {
    $(select)
      .on('change', function () {
        var value = $(this).val();
        Object.keys(sections).forEach(function (v) {
          $(sections[v]).toggle(v === value);
        });
      })
      .trigger('change');
  }

  /**
   * A multiple-choice TypedInput on #node-input-<id> offering list (which may be empty) and the
   * values already chosen that list lacks, so that saving without the catalogue loses none.
   */
  function multiSelect(id, list, current) {
    var $input = $('#node-input-' + id);
    if (current !== undefined) $input.val(Array.isArray(current) ? current.join(',') : current);
    var chosen = String($input.val() || '')
      .split(',')
      .filter(function (v) {
        return v !== '' && list.indexOf(v) < 0;
      });
    $input.typedInput({
      types: [
        {
          value: id,
          multiple: true,
          options: list.concat(chosen).map(function (v) {
            return { value: v, label: v };
          }),
        },
      ],
    });
  }

  // ---- operation nodes --------------------------------------------------------------------

  /** Whether one parameter's configured source is usable ({type, value}; none reads msg.payload). */
  function paramValid(p, c) {
    if (!c) return true; // reads msg.payload.<name>
    if (c.type === 'jsonata' || c.type === 'bool' || c.type === 'env') {
      return c.value !== '' || !p.required;
    }
    if (c.type === 'num') return c.value === '' ? !p.required : !isNaN(Number(c.value));
    if (c.type === 'msg' || c.type === 'flow' || c.type === 'global') return !!c.value;
    return !p.required || (c.value !== undefined && String(c.value) !== '');
  }

  /**
   * What an operation node's registerType call needs besides category, color and icon.
   *   opts.operation: the one operation the node runs, or
   *   opts.kinds: the operation kinds offered in #node-input-operation (opts.defaultOperation
   *     preselected);
   *   opts.outputs: outputs of the default operation (outcomes, plus the progress output when
   *     opts.progress, the default of the progress option).
   * Parameter rows go into #<type>-params; their labels, the outcome labels and the warnings
   * are the keys <type>.param.<name>, <type>.outcome.<outcome>, <type>.outputs.progress,
   * <type>.noParams and <type>.errors.catalogue.
   */
  function operationNode(type, opts) {
    var fixed = opts.operation || null;
    var kinds = opts.kinds || [];
    var ops = null;
    var box = '#' + type + '-params';
    var rowClass = type + '-param';

    function opsOf(c) {
      if (!ops && c) {
        ops = {};
        (c.operations || []).forEach(function (o) {
          if (fixed ? o.name === fixed : kinds.indexOf(o.kind) >= 0) ops[o.name] = o;
        });
      }
      return ops;
    }

    function specOf(node, opName) {
      var map = opsOf(catalogue);
      return map ? map[fixed || opName || node.operation] : undefined;
    }

    function inputOf(name) {
      return $('#' + type + '-param-' + name);
    }

    function markParam($input, p) {
      var c = { type: $input.typedInput('type'), value: $input.typedInput('value') };
      var ok = $input.typedInput('validate') !== false && paramValid(p, c);
      $input.toggleClass('input-error', !ok);
      $input.next('.red-ui-typedInput-container').toggleClass('input-error', !ok);
    }

    function paramRows(node, spec, current) {
      var $box = $(box).empty();
      if (!spec) return;
      if (!spec.params.length) {
        $('<div class="form-tips">')
          .text(text(node, type + '.noParams', ''))
          .appendTo($box);
      }
      spec.params.forEach(function (p) {
        var cur = (current && current[p.name]) || { type: 'msg', value: 'payload.' + p.name };
        var $row = $('<div class="form-row">')
          .addClass(rowClass)
          .attr('data-param', p.name)
          .appendTo($box);
        var label = text(node, type + '.param.' + p.name, p.name);
        $('<label>')
          .attr('for', type + '-param-' + p.name)
          .attr('title', p.description)
          .append($('<i class="fa fa-angle-right"></i>'))
          .append(' ')
          .append($('<span>').text(label + (p.required ? ' *' : '')))
          .appendTo($row);
        var $input = $('<input type="text" style="width:70%">')
          .attr('id', type + '-param-' + p.name)
          .attr('title', p.description)
          .appendTo($row);
        $input.typedInput({ types: INPUT_TYPES[p.type] || INPUT_TYPES.string, default: 'msg' });
        $input.typedInput('type', cur.type || 'msg');
        $input.typedInput('value', cur.value === undefined ? '' : cur.value);
        $input.on('change keyup', function () {
          markParam($input, p);
        });
        markParam($input, p);
      });
    }

    function readParams() {
      var out = {};
      $(box + ' .' + rowClass).each(function () {
        var name = $(this).attr('data-param');
        var $input = inputOf(name);
        out[name] = { type: $input.typedInput('type'), value: $input.typedInput('value') };
      });
      return out;
    }

    /**
     * Under the operation: a warning when the platform of the chosen gateway cannot carry it
     * (the catalogue's `platforms` says which ones each platform carries). Key
     * <type>.errors.unsupported.
     */
    function carriageNote(node) {
      var id = type + '-unsupported';
      var $note = $('#' + id);
      if (!$note.length) {
        $note = $('<div class="form-tips" style="display:none">')
          .attr('id', id)
          .css({ 'border-color': '#c0a16b', background: '#fdf6e3' })
          .insertBefore(box);
      }
      var gw = RED.nodes.node($('#node-input-gateway').val());
      var platform = (gw && gw.platform) || 'ccflow';
      var info = catalogue && catalogue.platforms && catalogue.platforms[platform];
      var op = fixed || $('#node-input-operation').val() || node.operation;
      var carriage = info && info.operations && info.operations[op];
      if (carriage && !carriage.carried) {
        $note
          .text(
            node._(type + '.errors.unsupported', {
              platform: info.label,
              operation: op,
              why: carriage.why,
            }),
          )
          .show();
      } else {
        $note.hide();
      }
    }

    function operationSelect(node, loaded) {
      var $op = $('#node-input-operation');
      var current = node.operation;
      $op.empty();
      Object.keys(loaded || {}).forEach(function (name) {
        $('<option>')
          .val(name)
          .text(loaded[name].label + ' (' + name + ')')
          .appendTo($op);
      });
      if (current && !(loaded && loaded[current])) {
        $('<option>').val(current).text(current).appendTo($op);
      }
      $op.val(current);
      $op.on('change', function () {
        var spec = specOf(node, $op.val());
        paramRows(node, spec, node.params);
        carriageNote(node);
        $('#node-input-timeout').attr('placeholder', spec ? spec.timeoutMs / 1000 : '');
      });
      $op.trigger('change');
    }

    var defaults = {
      name: { value: '' },
      gateway: gateway(),
      agent: {
        value: 'payload.agent',
        required: true,
        validate: RED.validators.typedInput('agentType'),
      },
      agentType: { value: 'msg' },
      params: {
        value: {},
        validate: function (v) {
          var spec = specOf(this);
          if (!spec) return true;
          return spec.params.every(function (p) {
            return paramValid(p, v && v[p.name]);
          });
        },
      },
      timeout: {
        value: '',
        validate: function (v) {
          return v === '' || v === undefined || (Number(v) > 0 && isFinite(Number(v)));
        },
      },
      progress: { value: !!opts.progress },
      outputs: { value: opts.outputs },
    };
    if (!fixed) defaults.operation = { value: opts.defaultOperation, required: true };

    load(); // early, for the labels and the validation of the flows' nodes

    return {
      defaults: defaults,
      inputs: 1,
      outputs: opts.outputs,
      label: function () {
        if (this.name) return this.name;
        if (!fixed) {
          var spec = specOf(this);
          if (spec) return spec.label;
          if (this.operation) return this.operation;
        }
        return this._(type + '.paletteLabel');
      },
      paletteLabel: function () {
        return this._(type + '.paletteLabel');
      },
      labelStyle: labelStyle,
      outputLabels: function (i) {
        var spec = specOf(this);
        if (!spec) return '';
        if (i < spec.outcomes.length) {
          return text(this, type + '.outcome.' + spec.outcomes[i], spec.outcomes[i]);
        }
        return this._(type + '.outputs.progress');
      },
      oneditprepare: function () {
        $('#node-input-agent').typedInput({
          types: ['msg', 'flow', 'global', 'env', 'str', 'jsonata'],
          typeField: '#node-input-agentType',
        });
        $('#node-input-timeout').spinner({ min: 0 });
        loadFor(this, type).then((c) => {
          $('#node-input-gateway').on('change', () => carriageNote(this));
          if (!fixed) return operationSelect(this, opsOf(c));
          carriageNote(this);
          var spec = specOf(this);
          paramRows(this, spec, this.params);
          if (spec) $('#node-input-timeout').attr('placeholder', spec.timeoutMs / 1000);
        });
      },
      oneditsave: function () {
        var spec = specOf(this, $('#node-input-operation').val());
        if ($(box + ' .' + rowClass).length || spec) this.params = readParams();
        var progress = $('#node-input-progress').is(':checked');
        if (spec) {
          this.outputs = spec.outcomes.length + (progress ? 1 : 0);
        } else {
          this.outputs = (this.outputs || 0) - (this.progress ? 1 : 0) + (progress ? 1 : 0);
        }
      },
    };
  }

  // ---- event nodes ------------------------------------------------------------------------

  /** Reads a list out of the catalogue; [] when the catalogue or the entry is missing. */
  function listOf(c, pick) {
    var list;
    try {
      list = c ? pick(c) : null;
    } catch {
      list = null;
    }
    return Array.isArray(list) ? list : [];
  }

  /** A list picker: the ccsevents names that start with one of prefixes. */
  function ccsEvents(prefixes) {
    return function (c) {
      return c.events.ccs.filter(function (n) {
        return prefixes.some(function (p) {
          return n.indexOf(p) === 0;
        });
      });
    };
  }

  /**
   * What an event node's registerType call needs besides category, color and icon.
   *   opts.lists: {<property>: function (catalogue) -> names}, each a multiple-choice filter
   *     on #node-input-<property> (a '' default is added for each);
   *   opts.defaults: more or other properties (e.g. another `gateway`);
   *   opts.label: a label used when the node has no name, before <type>.paletteLabel;
   *   opts.oneditprepare: the node's own edit preparation, run first.
   * With no catalogue the lists are empty and <type>.errors.catalogue is shown.
   */
  function eventNode(type, opts) {
    var lists = opts.lists;
    var defaults = { name: { value: '' }, gateway: gateway() };
    Object.keys(lists).forEach(function (id) {
      defaults[id] = { value: '' };
    });
    if (opts.batch) {
      // Batch output (runtime: nodes/lib/event-batch.ts): one message per event by default.
      defaults.output = { value: 'event' };
      defaults.batchSize = { value: 100, validate: positive(1) };
      defaults.batchMs = { value: 1000, validate: positive(1) };
    }
    $.extend(defaults, opts.defaults);
    return {
      defaults: defaults,
      inputs: 0,
      outputs: 1,
      label: function () {
        return this.name || (opts.label && opts.label.call(this)) || this._(type + '.paletteLabel');
      },
      paletteLabel: function () {
        return this._(type + '.paletteLabel');
      },
      outputLabels: function () {
        return this._(type + '.outputLabel');
      },
      labelStyle: labelStyle,
      oneditprepare: function () {
        beginEdit(this);
        if (opts.batch) showWhen('#node-input-output', { batch: '.cc-batch-options' });
        if (opts.oneditprepare) opts.oneditprepare.call(this);
        loadFor(this, type).then((c) => {
          Object.keys(lists).forEach((id) => {
            multiSelect(id, listOf(c, lists[id]), this[id]);
          });
        });
      },
      oneditsave: function () {
        endEdit(this);
      },
      oneditcancel: function () {
        endEdit(this);
      },
    };
  }

  global.CCEditor = {
    catalogue: load,
    readOnce: readOnce,
    operationNode: operationNode,
    eventNode: eventNode,
    ccsEvents: ccsEvents,
    multiSelect: multiSelect,
    gateway: gateway,
    positive: positive,
    showWhen: showWhen,
    beginEdit: beginEdit,
    endEdit: endEdit,
    current: current,
  };
})(window);
