export * from './catalogue';
export * from './types';
export * from './validate';
