/** @module Entry of the console: styles and the app, rendered into `#app`. */
import { render } from 'preact';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app')!);
