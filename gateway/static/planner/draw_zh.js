/* PartyGrid planner page: Leaflet.draw's own texts in Chinese.
 *
 * Loaded after leaflet.draw.js and before the toolbar is built; `PartyGridPlanner.localize`
 * merges these over L.drawLocal unless the page is in English.
 */
(function () {
  'use strict';

  // Leaflet.draw's texts in Chinese (merged over L.drawLocal before the toolbar is built).
  var DRAW_ZH = {
    draw: {
      toolbar: {
        actions: { title: '取消绘制', text: '取消' },
        finish: { title: '完成绘制', text: '完成' },
        undo: { title: '删除最后一个点', text: '删除最后一个点' },
        buttons: { polyline: '画线分割片区', polygon: '画多边形：新建片区或圈选楼栋' }
      },
      handlers: {
        polygon: { tooltip: { start: '点击开始绘制', cont: '点击继续绘制', end: '点击第一个点闭合图形' } },
        polyline: {
          error: '<strong>错误：</strong>线不能自相交！',
          tooltip: { start: '点击开始画线', cont: '点击继续画线', end: '点击最后一个点结束' }
        }
      }
    },
    edit: {
      toolbar: {
        actions: {
          save: { title: '保存修改', text: '保存' },
          cancel: { title: '取消编辑，放弃所有修改', text: '取消' },
          clearAll: { title: '删除所有片区', text: '全部删除' }
        },
        buttons: {
          edit: '编辑片区顶点', editDisabled: '没有可编辑的片区',
          remove: '删除片区', removeDisabled: '没有可删除的片区'
        }
      },
      handlers: {
        edit: { tooltip: { text: '拖动顶点编辑片区边界', subtext: '点击“取消”放弃修改' } },
        remove: { tooltip: { text: '点击片区将其删除' } }
      }
    }
  };

  function merge(into, from) {
    Object.keys(from).forEach(function (k) {
      if (from[k] && typeof from[k] === 'object' && into[k] && typeof into[k] === 'object') {
        merge(into[k], from[k]);
      } else {
        into[k] = from[k];
      }
    });
  }

  function localize(lang) {
    if (lang !== 'en') { merge(L.drawLocal, DRAW_ZH); }
  }

  window.PartyGridPlanner = window.PartyGridPlanner || { parts: [] };
  window.PartyGridPlanner.localize = localize;
})();
