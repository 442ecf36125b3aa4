mod european;
mod iv;
