/*
 * The live sign-up counter (counter.html): each sign-up is a publication on demo:signups and the count
 * is the channel's latest offset. The page reads the last sign-ups from history, then subscribes from
 * where that ends, so nothing falls between the two.
 */
(function () {
  'use strict';
  var CHANNEL = 'demo:signups';
  var CAPACITY = 100;
  var SHOWN = 5;

  var badge = document.getElementById('state');
  var form = document.getElementById('form');
  var input = document.getElementById('name');
  var submit = document.getElementById('submit');
  var formMessage = document.getElementById('form-message');
  if (!Demo.heraldLoaded(badge)) {
    submit.disabled = true;
    return;
  }

  var count = 0;
  var recent = []; // newest first: {offset, name, time}

  function add(env) {
    if (typeof env.offset !== 'number') return;
    for (var i = 0; i < recent.length; i++) {
      if (recent[i].offset === env.offset) return; // already shown
    }
    recent.push({ offset: env.offset, name: Demo.short(Demo.objectData(env).name || 'someone', 40), time: env.time });
    recent.sort(function (a, b) { return b.offset - a.offset; });
    recent.length = Math.min(recent.length, SHOWN);
    count = Math.max(count, env.offset);
  }

  function render() {
    document.getElementById('count').textContent = String(count);
    document.getElementById('bar').style.width = Math.min(100, count / CAPACITY * 100) + '%';
    document.getElementById('left').textContent = count < CAPACITY
        ? (CAPACITY - count) + ' of ' + CAPACITY + ' places left'
        : 'Full: ' + (count - CAPACITY) + ' on the waiting list';
    var list = document.getElementById('names');
    var items = recent.map(function (r) {
      var li = Demo.el('li', null, r.name);
      li.appendChild(Demo.el('span', 'when', '#' + r.offset + ' at ' + Demo.clockTime(r.time)));
      return li;
    });
    if (items.length === 0) items.push(Demo.el('li', 'note', 'No sign-up yet.'));
    list.replaceChildren.apply(list, items);
  }

  /** Reads the latest sign-ups; resolves to the id to subscribe from (undefined when unreadable). */
  function loadLatest() {
    return Demo.history(CHANNEL, SHOWN).then(function (page) {
      page.messages.forEach(add);
      render();
      return page.next;
    }, function (err) {
      formMessage.textContent = 'Could not read the latest sign-ups (' + err.message + '); counting from now.';
      return undefined;
    });
  }

  var herald = new Herald(location.origin);
  var handlers = {
    onPublication: function (env) {
      add(env);
      render();
    },
    onReset: function () {
      // The server could not resume (restarted, or history expired): start over from its history.
      count = 0;
      recent = [];
      loadLatest();
    },
    onStateChange: function (s) {
      Demo.showState(badge, s);
    }
  };
  loadLatest().then(function (since) {
    herald.subscribe(CHANNEL, handlers, since ? { since: since } : {});
  });

  form.addEventListener('submit', function (e) {
    e.preventDefault();
    var name = input.value.trim();
    if (!name) {
      formMessage.textContent = 'Type a name first.';
      return;
    }
    submit.disabled = true;
    formMessage.className = 'note';
    formMessage.textContent = 'Signing up\u2026';
    herald.publish(CHANNEL, { name: name.slice(0, 40) }, { event: 'signup' }).then(function () {
      input.value = '';
      formMessage.textContent = 'Signed up: every open copy of this page counted you.';
    }, function (err) {
      formMessage.className = 'error';
      formMessage.textContent = 'Could not sign up: ' + (err && err.message ? err.message : String(err));
    }).then(function () {
      submit.disabled = false;
    });
  });

  Demo.closeOnLeave(function () { herald.close(); });
})();
