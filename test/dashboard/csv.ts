/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF or LF) into rows of strings; a leading BOM is noted. */
export function parseCsv(text: string): { bom: boolean; header: string[]; rows: Record<string, string>[] } {
  const bom = text.startsWith('\uFEFF');
  const body = bom ? text.slice(1) : text;
  const records: string[][] = [];
  let field = '';
  let record: string[] = [];
  let quoted = false;
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') ((field += '"'), i++);
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') (record.push(field), (field = ''));
    else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      record.push(field);
      records.push(record);
      ((field = ''), (record = []));
    } else field += c;
  }
  if (field !== '' || record.length) (record.push(field), records.push(record));
  const [header = [], ...rest] = records;
  return { bom, header, rows: rest.map((r) => Object.fromEntries(header.map((name, i) => [name, r[i] ?? '']))) };
}
