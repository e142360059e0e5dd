export { writeDatasetFiles, MANIFEST_FILE } from './write-dataset-files';
export type { WriteDatasetFilesOptions, WriteDatasetFilesResult, WrittenFile, Progress } from './write-dataset-files';
export { fileEncoder, sqlLiteral, FILE_FORMATS } from './file-formats';
export type { FileFormat, FileEncoder } from './file-formats';
