import { type logCreator, logLevel } from 'kafkajs';
import type { Logger } from 'pino';

/** kafkajs logs through the component's pino logger (namespaced by kafkajs' own namespace). */
export function kafkaLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, ...extra } = log;
      const child = { kafkajs: namespace, ...extra };
      if (level === logLevel.ERROR) logger.error(child, message);
      else if (level === logLevel.WARN) logger.warn(child, message);
      else if (level === logLevel.INFO) logger.info(child, message);
      else logger.debug(child, message);
    };
}
