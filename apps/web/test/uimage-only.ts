/** The bundle budget's probe: a program that uses @initkit/uimage alone (parse and list an image). */
import { formatListing, parseUImage } from '@initkit/uimage';

export function listImage(bytes: Uint8Array): string {
  return formatListing(parseUImage(bytes));
}
