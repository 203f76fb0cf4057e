// notfound.js - the 404 page's texts from the language files (the page's
// own English stays when they cannot be read).
import { fill, load, t } from './i18n.js';

load().then(() => {
  fill();
  document.title = `${t('notfound.title')} · ${t('app.name')}`;
}).catch(() => {});
