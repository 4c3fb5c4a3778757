import { ApiProperty } from '@nestjs/swagger';

export class JwkDto {
  @ApiProperty({ example: 'EC' })
  kty: string;
  @ApiProperty({ example: 'P-256' })
  crv: string;
  @ApiProperty({ example: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU' })
  x: string;
  @ApiProperty({ example: 'x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0' })
  y: string;
  @ApiProperty({ example: 'user-2025-11' })
  kid: string;
  @ApiProperty({ example: 'ES256' })
  alg: string;
  @ApiProperty({ example: 'sig' })
  use: string;
}

export class JwksDto {
  @ApiProperty({ type: [JwkDto] })
  keys: JwkDto[];
}
