import { PDFDocument, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';

export interface ReportLine {
  when: string;
  organisation: string;
  what: string;
  reason: string;
}

const PAGE = { width: 595.28, height: 841.89, margin: 50 }; // A4 in points
const COLUMNS = [
  { title: 'When', width: 95 },
  { title: 'Organisation and role', width: 150 },
  { title: 'What', width: 90 },
  { title: 'Reason given', width: 160 },
];

/** The standard PDF fonts cover Windows-1252 only: anything else is shown as "?" rather than failing. */
function printable(text: string): string {
  return text.replace(/[^\x20-\x7E\u00A0-\u00FF\u2013\u2014\u2018\u2019\u201C\u201D\u2022\u20AC]/g, '?');
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of printable(text).split(/\s+/)) {
    const candidate = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(candidate, size) <= width) {
      line = candidate;
      continue;
    }
    if (line) lines.push(line);
    line = word;
    // A single word wider than the column is cut, never allowed to run over the next column.
    while (font.widthOfTextAtSize(line, size) > width && line.length > 1) {
      let cut = line.length - 1;
      while (cut > 1 && font.widthOfTextAtSize(line.slice(0, cut), size) > width) cut -= 1;
      lines.push(line.slice(0, cut));
      line = line.slice(cut);
    }
  }
  if (line) lines.push(line);
  return lines.length > 0 ? lines : [''];
}

/**
 * The who-looked-and-why report as a PDF a council can post or email to a family: a heading, the
 * statement about withheld information, and a table of every look that is disclosed.
 */
export async function subjectAccessPdf(report: { title: string; intro: string[]; lines: readonly ReportLine[]; producedOn: string }): Promise<Uint8Array> {
  const pdf = await PDFDocument.create();
  pdf.setTitle(report.title);
  pdf.setProducer('Signpost');
  pdf.setCreator('Signpost');
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  let page: PDFPage = pdf.addPage([PAGE.width, PAGE.height]);
  let y = PAGE.height - PAGE.margin;

  const newPage = () => {
    page = pdf.addPage([PAGE.width, PAGE.height]);
    y = PAGE.height - PAGE.margin;
  };
  const text = (value: string, x: number, size: number, f: PDFFont) => page.drawText(printable(value), { x, y, size, font: f, color: rgb(0.04, 0.05, 0.05) });

  text(report.title, PAGE.margin, 18, bold);
  y -= 28;
  for (const paragraph of [...report.intro, `Produced on ${report.producedOn}.`]) {
    for (const line of wrap(paragraph, font, 10, PAGE.width - 2 * PAGE.margin)) {
      text(line, PAGE.margin, 10, font);
      y -= 14;
    }
    y -= 6;
  }

  const header = () => {
    let x = PAGE.margin;
    for (const column of COLUMNS) {
      text(column.title, x, 9, bold);
      x += column.width;
    }
    y -= 16;
  };
  header();
  for (const line of report.lines) {
    const cells = [line.when, line.organisation, line.what, line.reason].map((value, i) => wrap(value, font, 8, COLUMNS[i]!.width - 8));
    const height = Math.max(...cells.map((c) => c.length)) * 11 + 6;
    if (y - height < PAGE.margin) {
      newPage();
      header();
    }
    let x = PAGE.margin;
    cells.forEach((cell, i) => {
      cell.forEach((l, k) => page.drawText(l, { x, y: y - k * 11, size: 8, font, color: rgb(0.04, 0.05, 0.05) }));
      x += COLUMNS[i]!.width;
    });
    y -= height;
  }
  if (report.lines.length === 0) text('No looks at this record to report.', PAGE.margin, 10, font);
  return pdf.save();
}
